package stargate.node.plugin.proxycache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The entries' byte budget: what an entry is charged, and least-recently-used eviction by bytes. */
class ResponseCacheTest {
    private static final long FOREVER = Long.MAX_VALUE / 2;

    private static CachedResponse response(int bodyBytes, List<String[]> headers) {
        return new CachedResponse(200, headers, "text/plain", new byte[bodyBytes], 0, FOREVER, 0);
    }

    private static CachedResponse response(int bodyBytes) {
        return response(bodyBytes, List.of());
    }

    @Test
    void anEntryIsChargedItsBodyKeyAndHeaders() {
        long bare = ResponseCache.footprint("k", response(1000));
        assertEquals(ResponseCache.ENTRY_OVERHEAD + 1000 + ResponseCache.STRING_OVERHEAD + 1, bare);
        String longKey = "k".repeat(10_000);
        assertEquals(bare + 9_999, ResponseCache.footprint(longKey, response(1000)),
                "a client-chosen query string in the key is paid for");
        assertEquals(bare + 2 * ResponseCache.STRING_OVERHEAD + "X-Big".length() + 5_000,
                ResponseCache.footprint("k", response(1000, List.<String[]>of(new String[] {"X-Big", "v".repeat(5_000)}))));
    }

    @Test
    void pastTheByteBudgetTheLeastRecentlyUsedEntriesAreEvicted() {
        long each = ResponseCache.footprint("a", response(1000));
        ResponseCache cache = new ResponseCache(10_000, 3 * each);
        cache.put("a", response(1000));
        cache.put("b", response(1000));
        cache.put("c", response(1000));
        assertEquals(3 * each, cache.heldBytes());
        assertNotNull(cache.get("a", 0), "a is now the most recently used");
        cache.put("d", response(1000));
        assertNull(cache.get("b", 0), "b was the least recently used");
        assertEquals(3, cache.size());
        assertEquals(3 * each, cache.heldBytes());

        cache.put("e", response(2000));             // worth nearly two entries: c and a make room
        assertNull(cache.get("c", 0));
        assertNull(cache.get("a", 0));
        assertNotNull(cache.get("d", 0));
        assertNotNull(cache.get("e", 0));
        assertTrue(cache.heldBytes() <= 3 * each, "held " + cache.heldBytes());
        assertEquals(ResponseCache.footprint("d", response(1000)) + ResponseCache.footprint("e", response(2000)),
                cache.heldBytes());
    }

    @Test
    void replacingExpiringAndOversizedEntriesKeepTheCountExact() {
        long each = ResponseCache.footprint("a", response(1000));
        ResponseCache cache = new ResponseCache(10_000, 4 * each);
        cache.put("a", response(1000));
        cache.put("a", response(10));
        assertEquals(ResponseCache.footprint("a", response(10)), cache.heldBytes(), "the old version is uncharged");

        cache.put("a", response((int) (4 * each)));
        assertNull(cache.get("a", 0), "larger than the whole budget: not stored, and the old version is gone");
        assertEquals(0, cache.heldBytes());

        cache.put("b", new CachedResponse(200, List.of(), null, new byte[1000], 0, 50, 0));
        assertNull(cache.get("b", 50), "expired");
        assertEquals(0, cache.heldBytes());
    }

    @Test
    void theEntryCountStillBoundsSmallEntries() {
        ResponseCache cache = new ResponseCache(2, Long.MAX_VALUE);
        cache.put("a", response(1));
        cache.put("b", response(1));
        cache.put("c", response(1));
        assertEquals(2, cache.size());
        assertNull(cache.get("a", 0));
        assertEquals(2 * ResponseCache.footprint("b", response(1)), cache.heldBytes());
    }
}
