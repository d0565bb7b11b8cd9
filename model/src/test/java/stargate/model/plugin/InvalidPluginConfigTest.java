package stargate.model.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/**
 * Each bad plugin config, set on a route of an otherwise valid config, yields exactly the expected
 * error with its full path: the validator, the controller and the node all see these messages.
 */
class InvalidPluginConfigTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();
    private static final String SECRET_32 = "0123456789abcdef0123456789abcdef";
    private static final String JWKS = "jwks_uri: \"https://idp.example.com/jwks\"";
    private static final String CLIENT = "client_id: gw, client_secret: s3cret";

    /** Upstreams {@code u} and {@code canary}, and route {@code r} with {@code plugins: {plugin: config}}. */
    static String routeWith(String plugin, String config) {
        return """
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:9001"}]}
                  - {id: canary, targets: [{url: "http://127.0.0.1:9002"}]}
                routes:
                  - {id: r, paths: [/a], upstream: u, plugins: {%s: %s}}
                """.formatted(plugin, config);
    }

    static List<String> errors(String yaml) {
        return VALIDATOR.check(yaml, ConfigCodec.Format.YAML).errors().stream().map(ConfigError::toString).toList();
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                // --- key-auth
                Arguments.of("key-auth", "{header: \"bad header\"}", "header: invalid header name \"bad header\""),
                Arguments.of("key-auth", "{query: \"api key\"}",
                        "query: expected a query parameter name like api_key (letters, digits, . _ ~ -), got \"api key\""),
                Arguments.of("key-auth", "{hide_credentials: \"yes\"}", "hide_credentials: expected true or false, got \"yes\""),
                Arguments.of("key-auth", "{hideCredentials: false}", ": unknown key \"hideCredentials\" (did you mean \"hide_credentials\"?)"),
                // --- jwt-auth
                Arguments.of("jwt-auth", "{algorithms: [none], " + JWKS + "}",
                        "algorithms[0]: \"none\" is never accepted: an unsigned token proves nothing"),
                Arguments.of("jwt-auth", "{algorithms: [RS256, NONE], " + JWKS + "}",
                        "algorithms[1]: \"none\" is never accepted: an unsigned token proves nothing"),
                Arguments.of("jwt-auth", "{algorithms: [HS256]}", "secret: required"),
                Arguments.of("jwt-auth", "{algorithms: [HS256], secret: short}", "secret: too short for HS256: at least 32 bytes, got 5"),
                Arguments.of("jwt-auth", "{algorithms: [HS256, HS512], secret: " + SECRET_32 + "}",
                        "secret: too short for HS512: at least 64 bytes, got 32"),
                Arguments.of("jwt-auth", "{algorithms: [HS256, RS256], secret: " + SECRET_32 + ", " + JWKS + "}",
                        "algorithms: mixes HMAC [HS256] and public-key [RS256] algorithms, which opens the door to algorithm"
                                + " confusion: use one kind per config"),
                Arguments.of("jwt-auth", "{}", ": RS256 needs public_key (PEM) or jwks_uri"),
                Arguments.of("jwt-auth", "{algorithms: [RS256, ES256]}", ": ES256, RS256 needs public_key (PEM) or jwks_uri"),
                Arguments.of("jwt-auth", "{public_key: \"-----BEGIN PUBLIC KEY-----\", " + JWKS + "}", ": set public_key or jwks_uri, not both"),
                Arguments.of("jwt-auth", "{jwks_uri: \"http://idp.example.com/jwks\"}",
                        "jwks_uri: must use https (plain http only to 127.0.0.1, [::1] or localhost), got \"http://idp.example.com/jwks\""),
                Arguments.of("jwt-auth", "{public_key: MIIBIjANBgkq}",
                        "public_key: expected a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)"),
                Arguments.of("jwt-auth", "{algorithms: [RS512], " + JWKS + "}",
                        "algorithms[0]: unsupported algorithm \"RS512\": expected HS256, HS384, HS512, RS256 or ES256"),
                Arguments.of("jwt-auth", "{algorithms: [hs256], secret: " + SECRET_32 + "}",
                        "algorithms[0]: algorithm names are upper-case: write HS256, not hs256"),
                Arguments.of("jwt-auth", "{algorithms: [], " + JWKS + "}",
                        "algorithms: at least one algorithm: HS256, HS384, HS512, RS256 or ES256"),
                Arguments.of("jwt-auth", "{secret: " + SECRET_32 + ", " + JWKS + "}",
                        "secret: not used by RS256 (only HS256, HS384, HS512 use a secret); remove it"),
                Arguments.of("jwt-auth", "{algorithms: [HS384], secret: " + SECRET_32 + SECRET_32 + ", " + JWKS + "}",
                        "jwks_uri: not used by HS384 (HMAC uses secret); remove it"),
                Arguments.of("jwt-auth", "{" + JWKS + ", clock_skew: 10m}", "clock_skew: must be at most 5m, got 10m"),
                Arguments.of("jwt-auth", "{" + JWKS + ", claims_to_headers: {sub: \"x user\"}}",
                        "claims_to_headers.sub: invalid header name \"x user\""),
                Arguments.of("jwt-auth", "{" + JWKS + ", claims_to_headers: {sub: Upgrade}}",
                        "claims_to_headers.sub: \"Upgrade\" is a hop-by-hop header: the proxy manages it, a plugin cannot set it"),
                Arguments.of("jwt-auth", "{" + JWKS + ", issuer: \" \"}", "issuer: required"),
                // --- oauth2-introspection
                Arguments.of("oauth2-introspection", "{" + CLIENT + "}", "endpoint: required"),
                Arguments.of("oauth2-introspection", "{endpoint: \"ftp://idp.example.com/introspect\", " + CLIENT + "}",
                        "endpoint: expected an absolute URL like https://idp.example.com/path, got \"ftp://idp.example.com/introspect\""),
                Arguments.of("oauth2-introspection", "{endpoint: \"http://idp.example.com/introspect\", " + CLIENT + "}",
                        "endpoint: must use https (plain http only to 127.0.0.1, [::1] or localhost), got \"http://idp.example.com/introspect\""),
                Arguments.of("oauth2-introspection", "{endpoint: \"https://idp.example.com/a b\", " + CLIENT + "}",
                        "endpoint: invalid URL \"https://idp.example.com/a b\": Illegal character in path"),
                Arguments.of("oauth2-introspection", "{endpoint: \"https://idp.example.com/i\", client_id: gw}", "client_secret: required"),
                Arguments.of("oauth2-introspection", "{endpoint: \"https://idp.example.com/i\", " + CLIENT + ", cache_ttl: 2h}",
                        "cache_ttl: must be at most 1h, got 2h"),
                // --- basic-auth
                Arguments.of("basic-auth", "{realm: api}", ": unknown key \"realm\""),
                Arguments.of("basic-auth", "{hide_credentials: true}", ": unknown key \"hide_credentials\""),
                Arguments.of("basic-auth", "[]", ": expected a map (write {} for the defaults)"),
                Arguments.of("basic-auth", "true", ": expected a map (write {} for the defaults)"),
                // --- ip-restriction
                Arguments.of("ip-restriction", "{}", ": set allow, deny or both: lists of ranges like 10.0.0.0/8 or 2001:db8::/32"),
                Arguments.of("ip-restriction", "{allow: [10.0.0.1/8]}", "allow[0]: host bits are set in \"10.0.0.1/8\": did you mean 10.0.0.0/8?"),
                Arguments.of("ip-restriction", "{deny: [\"2001:db8::1/32\"]}",
                        "deny[0]: host bits are set in \"2001:db8::1/32\": did you mean 2001:db8::/32?"),
                Arguments.of("ip-restriction", "{deny: [\"2001:db8::/129\"]}",
                        "deny[0]: the prefix length of an IPv6 range is 0..128, got \"2001:db8::/129\""),
                Arguments.of("ip-restriction", "{allow: [10.0.0.0/33]}", "allow[0]: the prefix length of an IPv4 range is 0..32, got \"10.0.0.0/33\""),
                Arguments.of("ip-restriction", "{allow: [10.0.0.256]}",
                        "allow[0]: expected an IP address or CIDR like 10.0.0.0/8 or 2001:db8::/32, got \"10.0.0.256\""),
                Arguments.of("ip-restriction", "{allow: [010.0.0.0/8]}",
                        "allow[0]: expected an IP address or CIDR like 10.0.0.0/8 or 2001:db8::/32, got \"010.0.0.0/8\""),
                Arguments.of("ip-restriction", "{allow: [\"2001:db8::1::/64\"]}",
                        "allow[0]: expected an IP address or CIDR like 10.0.0.0/8 or 2001:db8::/32, got \"2001:db8::1::/64\""),
                Arguments.of("ip-restriction", "{allow: 10.0.0.0/8}", "allow: expected a list, got \"10.0.0.0/8\""),
                // --- cors
                Arguments.of("cors", "{allow_origins: [\"*\"], allow_credentials: true}",
                        "allow_origins[0]: \"*\" cannot be combined with allow_credentials: true (browsers refuse it); list the origins"),
                Arguments.of("cors", "{allow_origins: [\"https://app.example.com/\"]}",
                        "allow_origins[0]: expected \"*\" or an origin like https://app.example.com (scheme://host[:port], lower case, no path),"
                                + " got \"https://app.example.com/\""),
                Arguments.of("cors", "{allow_origins: [\"https://app.example.com:70000\"]}",
                        "allow_origins[0]: expected \"*\" or an origin like https://app.example.com (scheme://host[:port], lower case, no path),"
                                + " got \"https://app.example.com:70000\""),
                Arguments.of("cors", "{allow_origins: [\"*\", \"https://a.example.com\"]}",
                        "allow_origins[0]: \"*\" allows every origin: list origins or write only \"*\""),
                Arguments.of("cors", "{allow_methods: [get]}", "allow_methods[0]: methods are upper-case: write GET, not get"),
                Arguments.of("cors", "{allow_methods: [FETCH]}", "allow_methods[0]: unknown method \"FETCH\""),
                Arguments.of("cors", "{expose_headers: [\"x y\"]}", "expose_headers[0]: invalid header name \"x y\""),
                Arguments.of("cors", "{max_age: 48h}", "max_age: must be at most 24h, got 48h"),
                Arguments.of("cors", "{max_age: 600}", "max_age: expected a duration like 500ms, 2s, 1m, 1h, got 600"),
                // --- rate-limit
                Arguments.of("rate-limit", "{}", "rate: required"),
                Arguments.of("rate-limit", "{rate: 0}", "rate: must be at least 1, got 0"),
                Arguments.of("rate-limit", "{rate: 1.5}", "rate: expected an integer, got 1.5"),
                Arguments.of("rate-limit", "{rate: 5, per: 0s}", "per: must be greater than 0"),
                Arguments.of("rate-limit", "{rate: 5, burst: -1}", "burst: must be between 0 and 1000000, got -1"),
                Arguments.of("rate-limit", "{rate: 5, key: user}", "key: expected route, ip, consumer or header:NAME, got \"user\""),
                Arguments.of("rate-limit", "{rate: 5, key: \"header:x user\"}", "key: invalid header name \"x user\""),
                Arguments.of("rate-limit", "{rate: 5, policy: redis}", "policy: expected local or cluster, got \"redis\""),
                Arguments.of("rate-limit", "{rate: 5, fault_tolerant: maybe}", "fault_tolerant: expected true or false, got \"maybe\""),
                // --- request-size-limit
                Arguments.of("request-size-limit", "{max_body_size: 1MB}", "max_body_size: expected a size like 512, 64KiB, 10MiB, got \"1MB\""),
                Arguments.of("request-size-limit", "{max_body_size: -1}", "max_body_size: expected a size like 512, 64KiB, 10MiB, got -1"),
                Arguments.of("request-size-limit", "{max_body_size: 1.5}", "max_body_size: expected a size like 512, 64KiB, 10MiB, got 1.5"),
                Arguments.of("request-size-limit", "{max_size: 1MiB}", ": unknown key \"max_size\""),
                // --- request-transformer
                Arguments.of("request-transformer", "{headers: {set: {Connection: close}}}",
                        "headers.set.Connection: \"Connection\" is a hop-by-hop header: the proxy manages it, a plugin cannot set it"),
                Arguments.of("request-transformer", "{headers: {add: {\"x y\": \"1\"}}}", "headers.add.x y: invalid header name \"x y\""),
                Arguments.of("request-transformer", "{headers: {add: {X-A: \"1\"}, set: {x-a: \"2\"}}}",
                        "headers.set.x-a: header already in add as \"X-A\" (names are case-insensitive)"),
                Arguments.of("request-transformer", "{headers: {remove: X-A}}", "headers.remove: expected a list, got \"X-A\""),
                Arguments.of("request-transformer", "{headers: {append: {}}}", "headers: unknown key \"append\""),
                Arguments.of("request-transformer", "{path: \"v2/{id}\"}", "path: must start with \"/\", got \"v2/{id}\""),
                Arguments.of("request-transformer", "{path: \"/v2/{1d}\"}", "path: invalid template variable \"{1d}\": expected a name like {id} or {user_id}"),
                Arguments.of("request-transformer", "{path: \"/v2/{id\"}", "path: unbalanced \"{\" or \"}\" in \"/v2/{id\""),
                Arguments.of("request-transformer", "{path: \"/v2?x=1\"}", "path: must not contain white space, control characters, \"?\" or \"#\""),
                // --- response-transformer
                Arguments.of("response-transformer", "{headers: {add: {Transfer-Encoding: chunked}}}",
                        "headers.add.Transfer-Encoding: \"Transfer-Encoding\" is a hop-by-hop header: the proxy manages it, a plugin cannot set it"),
                Arguments.of("response-transformer", "{headers: {set: {X-A: \"a\\nb\"}}}", "headers.set.X-A: a header value must not contain line breaks"),
                Arguments.of("response-transformer", "{headers: {remove: [\"x y\"]}}", "headers.remove[0]: invalid header name \"x y\""),
                Arguments.of("response-transformer", "{path: /x}", ": unknown key \"path\""),
                // --- request-id
                Arguments.of("request-id", "{header: \"X Request Id\"}", "header: invalid header name \"X Request Id\""),
                Arguments.of("request-id", "{header: keep-alive}",
                        "header: \"keep-alive\" is a hop-by-hop header: the proxy manages it, a plugin cannot set it"),
                Arguments.of("request-id", "{header: [X-Id]}", "header: expected a string, got a list"),
                Arguments.of("request-id", "{name: X-Id}", ": unknown key \"name\""),
                // --- traffic-split
                Arguments.of("traffic-split", "{upstream: canary}", ": set weight (percent of requests, 0..100) or match (which requests)"),
                Arguments.of("traffic-split", "{upstream: canary, weight: 101}", "weight: must be between 0 and 100, got 101"),
                Arguments.of("traffic-split", "{upstream: canary, weight: 10, match: {headers: {x-canary: \"true\"}}}",
                        ": set weight or match, not both"),
                Arguments.of("traffic-split", "{weight: 10}", "upstream: required"),
                Arguments.of("traffic-split", "{upstream: nowhere, weight: 10}", "upstream: unknown upstream \"nowhere\""),
                Arguments.of("traffic-split", "{upstream: canary, match: {headers: {}}}", "match.headers: at least one header to match"),
                Arguments.of("traffic-split", "{upstream: canary, match: {header: {a: b}}}", "match: unknown key \"header\""),
                // --- proxy-cache
                Arguments.of("proxy-cache", "{ttl: 0s}", "ttl: must be greater than 0"),
                Arguments.of("proxy-cache", "{ttl: 60}", "ttl: expected a duration like 500ms, 2s, 1m, 1h, got 60"),
                Arguments.of("proxy-cache", "{max_entries: 0}", "max_entries: must be between 1 and 10000000, got 0"),
                Arguments.of("proxy-cache", "{max_body_size: 0}", "max_body_size: must be greater than 0"),
                Arguments.of("proxy-cache", "{max_memory: 0}", "max_memory: must be greater than 0"),
                Arguments.of("proxy-cache", "{max_memory: 1MiB, max_body_size: 2MiB}",
                        "max_body_size: must be at most max_memory (1MiB), got 2MiB: a body that size could never be kept"));
    }

    /** @param expected {@code key: message}, the key relative to the plugin (empty for the plugin's config itself) */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badConfigs")
    void reportsTheOneErrorWithItsPath(String plugin, String config, String expected) {
        String prefix = "routes[0].plugins." + plugin + (expected.startsWith(":") ? "" : ".");
        assertEquals(List.of(prefix + expected), errors(routeWith(plugin, config)));
    }

    @Test
    void everyPluginHasAtLeastThreeBadConfigsInTheTable() {
        java.util.Map<Object, Long> counts = badConfigs().collect(
                java.util.stream.Collectors.groupingBy(a -> a.get()[0], java.util.stream.Collectors.counting()));
        assertEquals(stargate.model.validate.PluginCatalog.load().names(), counts.keySet());
        counts.forEach((plugin, count) -> assertEquals(true, count >= 3, plugin + " has " + count));
    }

    @Test
    void reportsEveryProblemOfOneConfigAtOnce() {
        assertEquals(List.of(
                "routes[0].plugins.rate-limit.rate: must be at least 1, got 0",
                "routes[0].plugins.rate-limit.per: must be greater than 0",
                "routes[0].plugins.rate-limit.key: expected route, ip, consumer or header:NAME, got \"x\""),
                errors(routeWith("rate-limit", "{rate: 0, per: 0s, key: x}")));
    }

    @Test
    void checksMeaningOnlyOnceTheConfigBinds() {
        // the key is wrong too, but a type error stops the checks of meaning: no cascade of follow-ups
        assertEquals(List.of("routes[0].plugins.rate-limit: unknown key \"brust\"",
                        "routes[0].plugins.rate-limit.rate: expected an integer, got \"many\""),
                errors(routeWith("rate-limit", "{rate: many, key: x, brust: 5}")));
    }

    @Test
    void checksTrafficSplitUpstreamsOnConsumersAndGlobally() {
        String yaml = """
                upstreams: [{id: u, targets: [{url: "http://127.0.0.1:9001"}]}]
                consumers: [{id: c, plugins: {traffic-split: {upstream: gone, weight: 5}}}]
                global_plugins: {traffic-split: {upstream: u, weight: 5}, request-id: {}}
                """;
        assertEquals(List.of("consumers[0].plugins.traffic-split.upstream: unknown upstream \"gone\""), errors(yaml));
    }
}
