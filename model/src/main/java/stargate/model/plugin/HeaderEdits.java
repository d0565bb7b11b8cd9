package stargate.model.plugin;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header changes of the request and response transformers, applied in the order remove, set, add.
 * Header names are case-insensitive: a name appears once across {@code add} and {@code set}.
 *
 * @param add    appended, keeping any value already there; default none
 * @param set    replacing any value already there; default none
 * @param remove removed; default none
 */
public record HeaderEdits(Map<String, String> add, Map<String, String> set, List<String> remove) {
    public static final HeaderEdits NONE = new HeaderEdits(null, null, null);

    public HeaderEdits {
        add = PluginConfigs.orderedCopy(add);
        set = PluginConfigs.orderedCopy(set);
        remove = PluginConfigs.copy(remove, List.of());
    }

    /** Names are valid and not hop-by-hop (the proxy owns those), values have no line breaks, no name twice. */
    void check(ConfigProblems problems) {
        Map<String, String> written = new HashMap<>(); // lower-case name to where it was written first
        entries(problems, "add", add, written);
        entries(problems, "set", set, written);
        for (int i = 0; i < remove.size(); i++) {
            HttpSyntax.headerName(problems, "remove[" + i + "]", remove.get(i));
        }
    }

    private static void entries(ConfigProblems problems, String key, Map<String, String> headers, Map<String, String> written) {
        headers.forEach((name, value) -> {
            String at = key + "." + name;
            if (HttpSyntax.writableHeaderName(problems, at, name)) {
                String first = written.putIfAbsent(name.toLowerCase(Locale.ROOT), key + " as \"" + name + "\"");
                if (first != null) {
                    problems.add(at, "header already in " + first + " (names are case-insensitive)");
                }
            }
            HttpSyntax.headerValue(problems, at, value);
        });
    }
}
