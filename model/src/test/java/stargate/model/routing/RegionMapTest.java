package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RegionMap#with} against a {@link HashMap} on seeded random puts and removals, at sizes that
 * make one segment and many, grow a segment past its limit (a whole rebuild), and shrink back; each
 * version stays as it was after later changes (snapshots share segments).
 */
class RegionMapTest {
    @Test
    void changedCopiesHoldWhatAHashMapHoldsAndOlderVersionsStayAsTheyWere() {
        Random random = new Random(12);
        Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < 1_500; i++) { // one segment, grown past its limit below
            expected.put("/k" + i, i);
        }
        RegionMap<Integer> map = RegionMap.of(expected, false);
        RegionMap<Integer> first = map;
        Map<String, Integer> firstExpected = new HashMap<>(expected);
        List<String> keys = new ArrayList<>(expected.keySet());
        for (int step = 0; step < 18_000; step++) {
            String key;
            Integer value;
            if (step < 12_000 ? random.nextInt(10) > 0 : random.nextInt(4) == 0) { // grow, then shrink
                key = "/n" + step;
                value = step;
                keys.add(key);
            } else {
                key = keys.isEmpty() ? "/absent" : keys.remove(random.nextInt(keys.size()));
                value = null;
            }
            map = map.with(key, value);
            if (value == null) {
                expected.remove(key);
            } else {
                expected.put(key, value);
            }
            if (step % 997 == 0) {
                assertEquals(expected, map.toMap(), "step " + step);
            }
        }
        assertEquals(expected.size(), map.size());
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            String text = "xx" + e.getKey() + "/yy"; // looked up as a region of a larger string
            assertEquals(e.getValue(), map.get(text, 2, 2 + e.getKey().length()));
        }
        assertNull(map.get("/absent", 0, 7));
        assertEquals(firstExpected, first.toMap(), "the first version is unchanged");
    }

    @Test
    void anEmptyHostTableStillIgnoresCaseOnceKeysAreAdded() {
        RegionMap<String> hosts = RegionMap.<String>of(Map.of(), true).with("api.example.com", "t");
        assertEquals("t", hosts.get("API.Example.com", 0, 15));
    }
}
