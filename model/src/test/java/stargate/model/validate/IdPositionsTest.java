package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IdPositionsTest {

    /** Random puts and removes against a HashMap, across growth and long probe runs. */
    @Test
    void behavesAsAMap() {
        Random random = new Random(42);
        IdPositions table = new IdPositions(4);
        Map<String, Integer> expected = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            String id = "r" + random.nextInt(5_000);
            if (random.nextInt(3) == 0) {
                table.remove(id);
                expected.remove(id);
            } else {
                int position = random.nextInt(1_000_000);
                table.put(id, position);
                expected.put(id, position);
            }
            if (step % 10_000 == 0) {
                for (int i = 0; i < 5_000; i++) {
                    assertEquals(expected.getOrDefault("r" + i, -1), table.get("r" + i), "r" + i);
                }
            }
        }
        for (int i = 0; i < 5_000; i++) {
            assertEquals(expected.getOrDefault("r" + i, -1), table.get("r" + i), "r" + i);
        }
    }

    /**
     * 2^17 ids with one String.hashCode ("c-" and "ak" hash alike, so does any string of such pairs):
     * a table probing by that hash would scan them all on every lookup, ~8.6 * 10^9 string comparisons to fill (minutes).
     */
    @Test
    void idsSharingAHashCodeStayCheap() {
        List<String> ids = new ArrayList<>();
        for (int bits = 0; bits < 1 << 17; bits++) {
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < 17; i++) {
                id.append((bits >> i & 1) == 0 ? "c-" : "ak");
            }
            ids.add(id.toString());
        }
        assertEquals(1, ids.stream().map(String::hashCode).distinct().count());
        IdPositions table = new IdPositions(0);
        long started = System.nanoTime();
        for (int i = 0; i < ids.size(); i++) {
            table.put(ids.get(i), i);
        }
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i, table.get(ids.get(i)));
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        // generous for a loaded box: this takes ~0.1 s, probing by the shared hashCode minutes
        assertTrue(millis < 10_000, "took " + millis + " ms");
    }
}
