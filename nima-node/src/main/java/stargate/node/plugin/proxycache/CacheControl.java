package stargate.node.plugin.proxycache;

import java.util.List;
import java.util.Locale;

/**
 * The {@code Cache-Control} directives the cache acts on (RFC 9111 §5.2), from every value of the
 * header. Names are case-insensitive; unknown directives are ignored. A directive with a field list
 * ({@code private="Set-Cookie"}, {@code no-cache="X"}) is taken for the whole response: stricter, never wrong.
 *
 * @param maxAge  {@code max-age} in seconds, or -1
 * @param sMaxAge {@code s-maxage} in seconds, or -1
 */
record CacheControl(boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic, boolean mustRevalidate,
                    long maxAge, long sMaxAge) {

    static CacheControl parse(List<String> values) {
        boolean noStore = false;
        boolean noCache = false;
        boolean isPrivate = false;
        boolean isPublic = false;
        boolean mustRevalidate = false;
        long maxAge = -1;
        long sMaxAge = -1;
        for (String value : values) {
            for (String directive : value.split(",")) {
                int eq = directive.indexOf('=');
                String name = (eq < 0 ? directive : directive.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                String argument = eq < 0 ? "" : directive.substring(eq + 1).strip().replace("\"", "");
                switch (name) {
                    case "no-store" -> noStore = true;
                    case "no-cache" -> noCache = true;
                    case "private" -> isPrivate = true;
                    case "public" -> isPublic = true;
                    case "must-revalidate", "proxy-revalidate" -> mustRevalidate = true;
                    case "max-age" -> maxAge = seconds(argument);
                    case "s-maxage" -> sMaxAge = seconds(argument);
                    default -> { }
                }
            }
        }
        return new CacheControl(noStore, noCache, isPrivate, isPublic, mustRevalidate, maxAge, sMaxAge);
    }

    /** Delta-seconds (RFC 9111 §1.2.2); invalid is 0 (stale at once), too large is capped. */
    private static long seconds(String argument) {
        if (argument.isEmpty() || argument.length() > 10 || !argument.chars().allMatch(Character::isDigit)) {
            return 0;
        }
        return Long.parseLong(argument);
    }
}
