package stargate.node.plugin.introspection;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Introspection answers by token digest, each kept until its own deadline.
 *
 * <p>Keys are SHA-256 digests of tokens, so the cache never holds a usable token. Lookups are one
 * {@link ConcurrentHashMap} read (an expired entry counts as absent and is removed). Bound: at
 * {@code maxEntries}, an insert first sweeps expired entries; if that leaves the cache over three
 * quarters full, it is emptied. Each O(n) sweep or clear is paid for by at least n/4 inserts since
 * the last, so inserts are O(1) amortized and memory is bounded. Emptying rather than choosing a
 * victim is deliberate: a cache full of live entries means a flood of distinct tokens, against which
 * no eviction policy saves calls (each new token needs one); legitimate tokens pay one call each to
 * come back.
 */
final class TokenCache {
    /** Entries per plugin instance. */
    static final int MAX_ENTRIES = 10_000;

    private record Entry(Introspector.Answer answer, long deadline) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;

    TokenCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The cached answer for this digest, or null when absent or expired at {@code now} (nanoTime). */
    Introspector.Answer get(String digest, long now) {
        Entry entry = entries.get(digest);
        if (entry == null) {
            return null;
        }
        if (now - entry.deadline() >= 0) {
            entries.remove(digest, entry);
            return null;
        }
        return entry.answer();
    }

    /** Keeps {@code answer} until {@code deadline} (nanoTime). */
    void put(String digest, Introspector.Answer answer, long deadline, long now) {
        if (entries.size() >= maxEntries) {
            synchronized (this) {
                if (entries.size() >= maxEntries) {
                    entries.values().removeIf(e -> now - e.deadline() >= 0);
                    if (entries.size() > maxEntries * 3L / 4) {
                        entries.clear();
                    }
                }
            }
        }
        entries.put(digest, new Entry(answer, deadline));
    }

    int size() {
        return entries.size();
    }
}
