package stargate.model.routing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The request headers the matcher reads, by lower-case name; the node adapts its own headers to this. */
@FunctionalInterface
public interface RequestHeaders {
    /** No headers at all. */
    RequestHeaders NONE = name -> null;

    /** @return the first value of the header, or null when absent */
    String first(String lowerCaseName);

    /** Headers from a map whose names may be in any case (tests, tools). */
    static RequestHeaders of(Map<String, String> headers) {
        Map<String, String> byLowerName = new HashMap<>();
        headers.forEach((name, value) -> byLowerName.putIfAbsent(name.toLowerCase(Locale.ROOT), value));
        return byLowerName::get;
    }
}
