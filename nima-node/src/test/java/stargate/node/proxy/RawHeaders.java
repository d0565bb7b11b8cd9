package stargate.node.proxy;

import java.util.List;

/** Header lookups over the raw {@code [name, value]} pairs the scripted test peers parse. */
final class RawHeaders {
    private RawHeaders() {
    }

    /** All values of a header, case-insensitively, in arrival order. */
    static List<String> all(List<String[]> headers, String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    /** The first value of a header, or null. */
    static String first(List<String[]> headers, String name) {
        List<String> values = all(headers, name);
        return values.isEmpty() ? null : values.get(0);
    }
}
