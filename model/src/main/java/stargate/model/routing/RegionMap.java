package stargate.model.routing;

import java.util.HashMap;
import java.util.Map;

/**
 * An immutable string-keyed hash table that looks keys up by a region of a larger string
 * ({@code path[from, to)}), so the matcher finds a host suffix, a path or one path segment without
 * cutting a substring: no allocation per lookup.
 *
 * <p>Segments of open addressing with linear probing, load factor at most 1/2 each: a table of
 * {@code n} keys has about {@code n / }{@value #SEGMENT_KEYS} segments, picked by the high bits of
 * the key's hash. Lookup costs one hash of the region plus, on average, under two key comparisons:
 * O(region length). The keys come from the config, never from requests, so a client cannot lengthen
 * probe chains (no hash flooding); a client only chooses which chain it probes.
 *
 * <p>Segments exist for {@link #with}: a changed copy copies the segment array and the one segment the
 * key falls in, not the whole table (the any-host exact paths of 100,000 routes are ~40,000 keys: one
 * change copies ~2 x 2,048 slots instead of ~2 x 131,072; SPEC §12, one route change in 10 ms).
 *
 * <p>With {@code ignoreCase}, ASCII letters of the region are lower-cased while hashing and
 * comparing, and the keys must already be lower case (host names).
 */
final class RegionMap<V> {
    /** Keys per segment a build aims at. */
    private static final int SEGMENT_KEYS = 1024;
    /** A segment grown past this many slots by changes makes the next change rebuild the whole table with more segments. */
    private static final int SEGMENT_MAX_SLOTS = 16 * SEGMENT_KEYS;

    private final Segment[] segments;
    /** {@code 32 - log2(segments.length)}; unused with one segment. */
    private final int segmentShift;
    private final boolean ignoreCase;
    private final int size;

    /** One open-addressing table: keys and values in parallel arrays, capacity a power of two. */
    private static final class Segment {
        final String[] keys;
        final Object[] values;
        final int mask;
        final int size;

        Segment(int capacity, int size) {
            this.keys = new String[capacity];
            this.values = new Object[capacity];
            this.mask = capacity - 1;
            this.size = size;
        }

        Segment(String[] keys, Object[] values, int size) {
            this.keys = keys;
            this.values = values;
            this.mask = keys.length - 1;
            this.size = size;
        }

        void insert(String key, Object value, boolean ignoreCase) {
            int slot = hash(key, 0, key.length(), ignoreCase) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = value;
        }

        /** Deletes the key at {@code slot} and moves later keys of its probe run into the gap (Knuth's algorithm R). */
        void removeAt(int slot, boolean ignoreCase) {
            int gap = slot;
            keys[gap] = null;
            values[gap] = null;
            for (int i = (gap + 1) & mask; keys[i] != null; i = (i + 1) & mask) {
                int home = hash(keys[i], 0, keys[i].length(), ignoreCase) & mask;
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
    }

    private RegionMap(Segment[] segments, boolean ignoreCase, int size) {
        this.segments = segments;
        this.segmentShift = 32 - Integer.numberOfTrailingZeros(segments.length);
        this.ignoreCase = ignoreCase;
        this.size = size;
    }

    /** Shared by the many trie leaves without children (and, ignoring case, by indexes without exact or wildcard hosts). */
    private static final RegionMap<?> EMPTY = new RegionMap<>(new Segment[] {new Segment(1, 0)}, false, 0);
    private static final RegionMap<?> EMPTY_IGNORING_CASE = new RegionMap<>(new Segment[] {new Segment(1, 0)}, true, 0);

    /** @param map keys to values; with {@code ignoreCase} every key must be lower case */
    @SuppressWarnings("unchecked")
    static <V> RegionMap<V> of(Map<String, V> map, boolean ignoreCase) {
        if (map.isEmpty()) {
            return (RegionMap<V>) (ignoreCase ? EMPTY_IGNORING_CASE : EMPTY);
        }
        int count = Math.max(1, Integer.highestOneBit(map.size() / SEGMENT_KEYS));
        int shift = 32 - Integer.numberOfTrailingZeros(count);
        int[] sizes = new int[count];
        for (String key : map.keySet()) {
            sizes[segmentOf(hash(key, 0, key.length(), ignoreCase), count, shift)]++;
        }
        Segment[] segments = new Segment[count];
        for (int s = 0; s < count; s++) {
            segments[s] = new Segment(capacity(sizes[s]), sizes[s]);
        }
        map.forEach((key, value) ->
                segments[segmentOf(hash(key, 0, key.length(), ignoreCase), count, shift)].insert(key, value, ignoreCase));
        return new RegionMap<>(segments, ignoreCase, map.size());
    }

    /** Slots for {@code keys} keys at a load of at most 1/2. */
    private static int capacity(int keys) {
        return Integer.highestOneBit(Math.max(1, keys) * 2 - 1) << 1;
    }

    private static int segmentOf(int hash, int count, int shift) {
        return count == 1 ? 0 : (hash * 0x9E3779B9) >>> shift;
    }

    /**
     * A copy with {@code key} mapped to {@code value}, or removed when {@code value} is null: what an
     * incremental index change costs per touched table. O(segment) for the copy of one segment's two
     * arrays plus O(segments) for the segment array, O(1) expected for the change itself. A segment is
     * rebuilt at its right size when its load leaves [1/8, 1/2], the whole table when a segment has
     * outgrown {@value #SEGMENT_MAX_SLOTS} slots.
     */
    RegionMap<V> with(String key, V value) {
        int hash = hash(key, 0, key.length(), ignoreCase);
        int s = segmentOf(hash, segments.length, segmentShift);
        Segment segment = segments[s];
        int slot = hash & segment.mask;
        while (segment.keys[slot] != null && !segment.keys[slot].equals(key)) {
            slot = (slot + 1) & segment.mask;
        }
        boolean present = segment.keys[slot] != null;
        if (!present && value == null) {
            return this;
        }
        int delta = value == null ? -1 : present ? 0 : 1;
        if (size + delta == 0) {
            return of(Map.of(), ignoreCase);
        }
        int segmentSize = segment.size + delta;
        Segment changed;
        if (segmentSize * 2 > segment.keys.length || (segment.keys.length > 16 && segmentSize * 8 < segment.keys.length)) {
            if (capacity(segmentSize) > SEGMENT_MAX_SLOTS) {
                Map<String, V> entries = toMap();
                entries.put(key, value); // growing: value is not null
                return of(entries, ignoreCase);
            }
            changed = new Segment(capacity(segmentSize), segmentSize);
            for (int i = 0; i < segment.keys.length; i++) {
                if (segment.keys[i] != null && !segment.keys[i].equals(key)) {
                    changed.insert(segment.keys[i], segment.values[i], ignoreCase);
                }
            }
            if (value != null) {
                changed.insert(key, value, ignoreCase);
            }
        } else {
            changed = new Segment(segment.keys.clone(), segment.values.clone(), segmentSize);
            if (value != null) {
                changed.keys[slot] = key;
                changed.values[slot] = value;
            } else {
                changed.removeAt(slot, ignoreCase);
            }
        }
        Segment[] copy = segments.clone();
        copy[s] = changed;
        return new RegionMap<>(copy, ignoreCase, size + delta);
    }

    int size() {
        return size;
    }

    /** Every entry, for a rebuild. */
    @SuppressWarnings("unchecked")
    Map<String, V> toMap() {
        Map<String, V> map = new HashMap<>();
        for (Segment segment : segments) {
            for (int i = 0; i < segment.keys.length; i++) {
                if (segment.keys[i] != null) {
                    map.put(segment.keys[i], (V) segment.values[i]);
                }
            }
        }
        return map;
    }

    /** @return the value whose key equals {@code text[from, to)}, or null */
    @SuppressWarnings("unchecked")
    V get(String text, int from, int to) {
        if (size == 0) {
            return null; // most trie leaves: skip hashing the segment
        }
        int length = to - from;
        int hash = hash(text, from, to, ignoreCase);
        Segment segment = segments[segmentOf(hash, segments.length, segmentShift)];
        String[] keys = segment.keys;
        for (int slot = hash & segment.mask; ; slot = (slot + 1) & segment.mask) {
            String key = keys[slot];
            if (key == null) {
                return null;
            }
            if (key.length() == length && regionEquals(key, text, from, ignoreCase)) {
                return (V) segment.values[slot];
            }
        }
    }

    private static int hash(String text, int from, int to, boolean ignoreCase) {
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
