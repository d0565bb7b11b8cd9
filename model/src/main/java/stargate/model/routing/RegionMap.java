package stargate.model.routing;

import java.util.Map;

/**
 * An immutable string-keyed hash table that looks keys up by a region of a larger string
 * ({@code path[from, to)}), so the matcher finds a host suffix, a path or one path segment without
 * cutting a substring: no allocation per lookup.
 *
 * <p>Open addressing with linear probing, load factor at most 1/2. Lookup costs one hash of the
 * region plus, on average, under two key comparisons: O(region length). The keys come from the
 * config, never from requests, so a client cannot lengthen probe chains (no hash flooding); a
 * client only chooses which chain it probes.
 *
 * <p>With {@code ignoreCase}, ASCII letters of the region are lower-cased while hashing and
 * comparing, and the keys must already be lower case (host names).
 */
final class RegionMap<V> {
    private final String[] keys;
    private final Object[] values;
    private final int mask;
    private final boolean ignoreCase;
    private final boolean empty;

    private RegionMap(Map<String, V> map, boolean ignoreCase) {
        int capacity = Integer.highestOneBit(Math.max(1, map.size()) * 2 - 1) << 1;
        this.keys = new String[capacity];
        this.values = new Object[capacity];
        this.mask = capacity - 1;
        this.ignoreCase = ignoreCase;
        this.empty = map.isEmpty();
        map.forEach((key, value) -> {
            int slot = hash(key, 0, key.length()) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = value;
        });
    }

    /** Shared by the many trie leaves without children. */
    private static final RegionMap<?> EMPTY = new RegionMap<>(Map.of(), false);

    /** @param map keys to values; with {@code ignoreCase} every key must be lower case */
    @SuppressWarnings("unchecked")
    static <V> RegionMap<V> of(Map<String, V> map, boolean ignoreCase) {
        return map.isEmpty() ? (RegionMap<V>) EMPTY : new RegionMap<>(map, ignoreCase);
    }

    /** @return the value whose key equals {@code text[from, to)}, or null */
    @SuppressWarnings("unchecked")
    V get(String text, int from, int to) {
        if (empty) {
            return null; // most trie leaves: skip hashing the segment
        }
        int length = to - from;
        for (int slot = hash(text, from, to) & mask; ; slot = (slot + 1) & mask) {
            String key = keys[slot];
            if (key == null) {
                return null;
            }
            if (key.length() == length && regionEquals(key, text, from, ignoreCase)) {
                return (V) values[slot];
            }
        }
    }

    private int hash(String text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + fold(text.charAt(i), ignoreCase);
        }
        return h ^ (h >>> 16);
    }

    /** Does {@code text} hold {@code key} at {@code from}? With {@code ignoreCase}, key must be lower case. */
    static boolean regionEquals(String key, String text, int from, boolean ignoreCase) {
        if (from < 0 || from + key.length() > text.length()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) != fold(text.charAt(from + i), ignoreCase)) {
                return false;
            }
        }
        return true;
    }

    private static char fold(char c, boolean ignoreCase) {
        return ignoreCase && c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
}
