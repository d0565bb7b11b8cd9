package stargate.model.validate;

import stargate.model.SeededHash;

/**
 * Object ids to their positions in a list, for {@link ValidatedConfig}: an open-addressing table
 * (linear probing, at most half full) of the ids themselves and plain ints. ~16 B per id, where a
 * {@code HashMap<String, Integer>} spends ~58 B (its node, a boxed Integer, its table slot): at
 * 100,000 routes that difference is most of SPEC §12's margin for heap per route.
 *
 * <p>The slot comes from a {@link SeededHash} of the id, not from {@link String#hashCode}: ids
 * come from config authors, and ids sharing a {@code hashCode} would make every lookup a scan of
 * them all (a {@code HashMap} falls back to a tree there; this table cannot).
 */
final class IdPositions {
    private final SeededHash hash = new SeededHash();
    private String[] ids;
    private int[] positions;
    private int size;

    IdPositions(int expected) {
        int capacity = 16;
        while (capacity < expected * 2L) {
            capacity <<= 1;
        }
        ids = new String[capacity];
        positions = new int[capacity];
    }

    /** @return the position of {@code id}; -1 when it has none */
    int get(String id) {
        int mask = ids.length - 1;
        for (int i = slot(id, mask); ids[i] != null; i = (i + 1) & mask) {
            if (ids[i].equals(id)) {
                return positions[i];
            }
        }
        return -1;
    }

    void put(String id, int position) {
        if ((size + 1) * 2 > ids.length) {
            grow();
        }
        int mask = ids.length - 1;
        int i = slot(id, mask);
        while (ids[i] != null && !ids[i].equals(id)) {
            i = (i + 1) & mask;
        }
        if (ids[i] == null) {
            ids[i] = id;
            size++;
        }
        positions[i] = position;
    }

    void remove(String id) {
        int mask = ids.length - 1;
        int gap = slot(id, mask);
        while (ids[gap] != null && !ids[gap].equals(id)) {
            gap = (gap + 1) & mask;
        }
        if (ids[gap] == null) {
            return;
        }
        // Shift back each following id of the run whose probe path crosses the gap, so lookups that
        // stop at the first empty slot still find them (no tombstones to pile up over many changes).
        for (int j = (gap + 1) & mask; ids[j] != null; j = (j + 1) & mask) {
            int home = slot(ids[j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                ids[gap] = ids[j];
                positions[gap] = positions[j];
                gap = j;
            }
        }
        ids[gap] = null;
        size--;
    }

    private void grow() {
        String[] oldIds = ids;
        int[] oldPositions = positions;
        ids = new String[oldIds.length * 2];
        positions = new int[oldIds.length * 2];
        size = 0;
        for (int i = 0; i < oldIds.length; i++) {
            if (oldIds[i] != null) {
                put(oldIds[i], oldPositions[i]);
            }
        }
    }

    private int slot(String id, int mask) {
        return (int) hash.of(id) & mask;
    }
}
