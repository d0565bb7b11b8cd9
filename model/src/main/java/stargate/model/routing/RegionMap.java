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
    private final int size;

    private RegionMap(Map<String, V> map, boolean ignoreCase) {
        this.size = map.size();
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

    /**
     * A copy with {@code key} mapped to {@code value}, or removed when {@code value} is null: what an
     * incremental index change costs per touched table. O(capacity) for the copy of the two arrays (a
     * memory copy: about 0.1 ms at 100,000 keys), O(1) expected for the change itself. Removal shifts
     * the rest of the probe run back (Knuth's algorithm R for linear probing), so no tombstones pile up;
     * the table is rebuilt at its right size when the load leaves [1/8, 1/2].
     */
    RegionMap<V> with(String key, V value) {
        java.util.HashMap<String, V> entries;
        boolean present = get(key, 0, key.length()) != null;
        int newSize = size + (value == null ? (present ? -1 : 0) : (present ? 0 : 1));
        if (newSize == 0) {
            return of(Map.of(), ignoreCase);
        }
        if (empty || newSize * 2 > keys.length || (keys.length > 16 && newSize * 8 < keys.length)) {
            entries = new java.util.HashMap<>(toMap());
            if (value == null) {
                entries.remove(key);
            } else {
                entries.put(key, value);
            }
            return of(entries, ignoreCase);
        }
        RegionMap<V> copy = new RegionMap<>(keys.clone(), values.clone(), ignoreCase, newSize);
        int slot = hash(key, 0, key.length()) & mask;
        while (copy.keys[slot] != null && !copy.keys[slot].equals(key)) {
            slot = (slot + 1) & mask;
        }
        if (value != null) {
            copy.keys[slot] = key;
            copy.values[slot] = value;
        } else if (copy.keys[slot] != null) {
            copy.removeAt(slot);
        }
        return copy;
    }

    private RegionMap(String[] keys, Object[] values, boolean ignoreCase, int size) {
        this.size = size;
        this.keys = keys;
        this.values = values;
        this.mask = keys.length - 1;
        this.ignoreCase = ignoreCase;
        this.empty = false;
    }

    /** Deletes the key at {@code slot} and moves later keys of its probe run into the gap. */
    private void removeAt(int slot) {
        int gap = slot;
        keys[gap] = null;
        values[gap] = null;
        for (int i = (gap + 1) & mask; keys[i] != null; i = (i + 1) & mask) {
            int home = hash(keys[i], 0, keys[i].length()) & mask;
            // the key at i may fill the gap when its home is not cyclically within (gap, i]
            boolean stays = gap <= i ? (gap < home && home <= i) : (gap < home || home <= i);
            if (!stays) {
                keys[gap] = keys[i];
                values[gap] = values[i];
                keys[i] = null;
                values[i] = null;
                gap = i;
            }
        }
    }

    int size() {
        return size;
    }

    /** Every entry, for a rebuild. */
    @SuppressWarnings("unchecked")
    Map<String, V> toMap() {
        Map<String, V> map = new java.util.HashMap<>();
        if (!empty) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != null) {
                    map.put(keys[i], (V) values[i]);
                }
            }
        }
        return map;
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
