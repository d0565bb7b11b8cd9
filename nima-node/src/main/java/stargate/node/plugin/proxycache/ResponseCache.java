package stargate.node.plugin.proxycache;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored responses of one plugin instance, least recently used evicted first.
 *
 * <p>An access-ordered {@link LinkedHashMap} under one lock: lookup, insert and eviction are O(1), the
 * lock is held for a hash probe and a relink. An expired entry is removed when looked up; until then
 * it costs its place in the LRU order and ages out like any other. Memory: at most
 * {@code maxEntries} bodies of at most {@code max_body_size} bytes each.
 */
final class ResponseCache {
    private final LinkedHashMap<String, CachedResponse> entries;

    ResponseCache(int maxEntries) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CachedResponse> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The entry for {@code key}, or null when absent or no longer fresh at {@code now} (nanoTime). */
    synchronized CachedResponse get(String key, long now) {
        CachedResponse entry = entries.get(key);
        if (entry != null && now - entry.expiresAt() >= 0) {
            entries.remove(key);
            return null;
        }
        return entry;
    }

    synchronized void put(String key, CachedResponse response) {
        entries.put(key, response);
    }

    synchronized int size() {
        return entries.size();
    }
}
