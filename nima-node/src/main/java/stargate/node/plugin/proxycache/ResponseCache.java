package stargate.node.plugin.proxycache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored responses of one plugin instance, least recently used evicted first, bounded both in
 * entries ({@code max_entries}) and in bytes ({@code max_memory}).
 *
 * <p>An access-ordered {@link LinkedHashMap} under one lock: lookup, insert and eviction are O(1) per
 * entry, the lock is held for a hash probe and a relink. An expired entry is removed when looked up;
 * until then it costs its place in the LRU order and ages out like any other.
 *
 * <p><b>Bytes</b>: each entry is charged {@link #footprint}: its body, plus an estimate of what its key
 * and headers occupy on the heap (characters plus a fixed overhead per string and per entry). Keys are
 * client-controlled (any query string), so the estimate must not leave them free. Bodies still being
 * copied by concurrent misses are not charged here: they grow as their bytes arrive, and each is
 * bounded by {@code max_body_size}.
 */
final class ResponseCache {
    /** Per entry: the map node, the record, its header list and body array headers. */
    static final int ENTRY_OVERHEAD = 200;
    /** Per string (key, header name or value): the String object, its array header, padding. */
    static final int STRING_OVERHEAD = 48;

    /** A stored response and the bytes it was charged. */
    private record Held(CachedResponse response, long bytes) {
    }

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<String, Held> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long heldBytes;

    ResponseCache(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** The heap an entry occupies, estimated: body bytes exactly, strings as Latin-1 characters plus overhead. */
    static long footprint(String key, CachedResponse response) {
        long bytes = ENTRY_OVERHEAD + response.body().length + STRING_OVERHEAD + key.length();
        for (String[] header : response.headers()) {
            bytes += 2 * STRING_OVERHEAD + header[0].length() + header[1].length();
        }
        return bytes;
    }

    /** The entry for {@code key}, or null when absent or no longer fresh at {@code now} (nanoTime). */
    synchronized CachedResponse get(String key, long now) {
        Held held = entries.get(key);
        if (held == null) {
            return null;
        }
        if (now - held.response().expiresAt() >= 0) {
            remove(key);
            return null;
        }
        return held.response();
    }

    /**
     * Stores {@code response} under {@code key} (replacing what was there), then evicts the least recently
     * used entries until both bounds hold. A response that alone exceeds {@code max_memory} is not stored.
     */
    synchronized void put(String key, CachedResponse response) {
        remove(key);
        long bytes = footprint(key, response);
        if (bytes > maxBytes) {
            return;
        }
        entries.put(key, new Held(response, bytes));
        heldBytes += bytes;
        Iterator<Held> eldestFirst = entries.values().iterator();
        while (entries.size() > maxEntries || heldBytes > maxBytes) {
            heldBytes -= eldestFirst.next().bytes();
            eldestFirst.remove();
        }
    }

    synchronized int size() {
        return entries.size();
    }

    /** The bytes charged for the entries held now; at most {@code max_memory}. */
    synchronized long heldBytes() {
        return heldBytes;
    }

    private void remove(String key) {
        Held removed = entries.remove(key);
        if (removed != null) {
            heldBytes -= removed.bytes();
        }
    }
}
