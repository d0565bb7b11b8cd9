package stargate.node.plugin.proxycache;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether an upstream response may be stored, and for how long it stays fresh: a shared cache's rules
 * (RFC 9111 §3, §4.2), narrowed to what this cache can honour without revalidation.
 *
 * <ul>
 *   <li>status 200, 301 or 404 only (404 so that a missing resource hammered by clients is cheap too);</li>
 *   <li>not with {@code Set-Cookie} (one client's session must not reach another);</li>
 *   <li>{@code Vary} may name {@code Accept-Encoding} only, which is part of every key; any other
 *       header (or {@code *}) is not stored, since entries are not split by it;</li>
 *   <li>{@code Cache-Control}: not {@code no-store}, {@code private} or {@code no-cache} (the last needs a
 *       revalidation this cache does not do); a request that carried {@code Authorization} only with
 *       {@code public}, {@code s-maxage} or {@code must-revalidate} (§3.5);</li>
 *   <li>lifetime: {@code s-maxage}, else {@code max-age}, else {@code Expires} minus {@code Date} (an
 *       invalid {@code Expires} means already expired), else the configured {@code ttl}; minus the
 *       response's {@code Age}.</li>
 * </ul>
 */
final class Storability {
    static final Set<Integer> STATUSES = Set.of(200, 301, 404);

    private Storability() {
    }

    /**
     * How long the response may be served from the cache.
     *
     * @param headers    all values of a response header by lower-case name (empty when absent)
     * @param authorized whether the request carried {@code Authorization}
     * @param nowMillis  wall-clock time, for {@code Expires} without {@code Date}
     * @return milliseconds of freshness; 0 or less: do not store
     */
    static long freshnessMillis(int status, Function<String, List<String>> headers, boolean authorized, Duration ttl,
                                long nowMillis) {
        if (!STATUSES.contains(status) || !headers.apply("set-cookie").isEmpty()) {
            return 0;
        }
        for (String vary : headers.apply("vary")) {
            for (String name : vary.split(",")) {
                if (!name.strip().equalsIgnoreCase("accept-encoding")) {
                    return 0;
                }
            }
        }
        CacheControl cc = CacheControl.parse(headers.apply("cache-control"));
        if (cc.noStore() || cc.noCache() || cc.isPrivate()
                || authorized && !cc.isPublic() && cc.sMaxAge() < 0 && !cc.mustRevalidate()) {
            return 0;
        }
        long lifetime;
        if (cc.sMaxAge() >= 0) {
            lifetime = cc.sMaxAge() * 1000;
        } else if (cc.maxAge() >= 0) {
            lifetime = cc.maxAge() * 1000;
        } else if (!headers.apply("expires").isEmpty()) {
            long expires = httpDate(headers.apply("expires").get(0));
            List<String> date = headers.apply("date");
            long base = date.isEmpty() ? nowMillis : httpDate(date.get(0));
            lifetime = expires < 0 || base < 0 ? 0 : expires - base;
        } else {
            lifetime = ttl.toMillis();
        }
        return lifetime - age(headers.apply("age")) * 1000;
    }

    /** The {@code Age} in seconds; 0 when absent or invalid. */
    static long age(List<String> values) {
        if (values.isEmpty()) {
            return 0;
        }
        String value = values.get(0).strip();
        return !value.isEmpty() && value.length() <= 10 && value.chars().allMatch(Character::isDigit)
                ? Long.parseLong(value) : 0;
    }

    /** An IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}) in epoch milliseconds, or -1. */
    private static long httpDate(String value) {
        try {
            return ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT))
                    .toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
