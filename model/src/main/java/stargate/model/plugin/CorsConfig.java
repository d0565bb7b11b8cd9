package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cors}: cross-origin requests; preflights ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) are answered at the edge, never proxied.
 *
 * @param allowOrigins     {@code *} (any origin, without credentials) or origins written as browsers send
 *                         them, {@code scheme://host[:port]} in lower case; default none (no cross-origin access)
 * @param allowMethods     methods allowed cross-origin; default GET, POST, PUT, PATCH, DELETE, OPTIONS
 * @param allowHeaders     request headers allowed cross-origin; default empty: whatever headers a preflight asks for
 *                         (echoed, as Kong does)
 * @param exposeHeaders    response headers scripts may read; default none
 * @param allowCredentials allow cookies and {@code Authorization}; default false; not with {@code *}
 * @param maxAge           how long a browser may reuse a preflight answer; default 10m; at most 24h
 */
public record CorsConfig(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                         List<String> exposeHeaders, Boolean allowCredentials, Duration maxAge) implements PluginConfig {
    public static final String NAME = "cors";
    public static final List<String> DEFAULT_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    static final Duration MAX_AGE = Duration.ofHours(24);
    private static final String ANY = "*";
    /** {@code https://app.example.com:8443}: a lower-case host name, IPv4 or bracketed IPv6 address, an optional port. */
    private static final Pattern ORIGIN = Pattern.compile(
            "https?://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+])(:(?<port>[1-9][0-9]{0,4}))?");

    public CorsConfig {
        allowOrigins = PluginConfigs.copy(allowOrigins, List.of());
        allowMethods = PluginConfigs.copy(allowMethods, DEFAULT_METHODS);
        allowHeaders = PluginConfigs.copy(allowHeaders, List.of());
        exposeHeaders = PluginConfigs.copy(exposeHeaders, List.of());
        allowCredentials = allowCredentials == null ? Boolean.FALSE : allowCredentials;
        maxAge = maxAge == null ? Duration.ofMinutes(10) : maxAge;
    }

    public static CorsConfig from(JsonNode config) {
        return PluginConfigs.read(config, CorsConfig.class);
    }

    /** Whether a preflight may ask for any header ({@code allow_headers} empty): the names it asks for are echoed. */
    public boolean anyHeader() {
        return allowHeaders.isEmpty();
    }

    /** Whether {@code name} is a valid header name (an RFC 9110 token): only such names are echoed to a client. */
    public static boolean isHeaderName(String name) {
        return HttpSyntax.isToken(name);
    }

    /** Whether any origin is allowed ({@code allow_origins: ["*"]}). */
    public boolean anyOrigin() {
        return allowOrigins.contains(ANY);
    }

    @Override
    public void check(ConfigProblems problems) {
        for (int i = 0; i < allowOrigins.size(); i++) {
            String origin = allowOrigins.get(i);
            String at = "allow_origins[" + i + "]";
            if (origin.equals(ANY)) {
                if (allowCredentials) {
                    problems.add(at, "\"*\" cannot be combined with allow_credentials: true (browsers refuse it); list the origins");
                } else if (allowOrigins.size() > 1) {
                    problems.add(at, "\"*\" allows every origin: list origins or write only \"*\"");
                }
            } else if (!isOrigin(origin)) {
                problems.add(at, "expected \"*\" or an origin like https://app.example.com (scheme://host[:port], lower case, no path), got \""
                        + origin + "\"");
            }
        }
        for (int i = 0; i < allowMethods.size(); i++) {
            HttpSyntax.method(problems, "allow_methods[" + i + "]", allowMethods.get(i));
        }
        for (int i = 0; i < allowHeaders.size(); i++) {
            HttpSyntax.headerName(problems, "allow_headers[" + i + "]", allowHeaders.get(i));
        }
        for (int i = 0; i < exposeHeaders.size(); i++) {
            HttpSyntax.headerName(problems, "expose_headers[" + i + "]", exposeHeaders.get(i));
        }
        problems.atMost("max_age", maxAge, MAX_AGE);
    }

    private static boolean isOrigin(String origin) {
        Matcher m = ORIGIN.matcher(origin);
        return m.matches() && (m.group("port") == null || Integer.parseInt(m.group("port")) <= 65_535);
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<CorsConfig> {
        public Schema() {
            super(NAME, CorsConfig.class);
        }
    }
}
