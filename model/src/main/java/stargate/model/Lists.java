package stargate.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Null-safe immutable copies used by the records' compact constructors. Sized for configs of
 * 100,000 routes (SPEC §12: at most 1 KiB of heap per route): most lists and maps of a route hold
 * zero or one element, so those take a shared empty or a 16-byte singleton instead of a wrapper,
 * a backing collection and its array (about 70 bytes for a list, 200 for a map). Elements may be
 * null (the validator reports them), which {@code List.of} would refuse.
 */
final class Lists {
    private Lists() {
    }

    static <T> List<T> copy(List<T> list) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        if (list.size() == 1) {
            return Collections.singletonList(list.get(0));
        }
        return Collections.unmodifiableList(new java.util.ArrayList<>(list));
    }

    /** Keeps insertion order (config files are read by people; order is part of what they wrote). */
    static <K, V> Map<K, V> copy(Map<K, V> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        if (map.size() == 1) {
            Map.Entry<K, V> only = map.entrySet().iterator().next();
            return Collections.singletonMap(only.getKey(), only.getValue());
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
