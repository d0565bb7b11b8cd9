package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.codec.ConfigCodec;

/** Each invalid config yields exactly the one expected error, with its path; several errors are all reported. */
class InvalidConfigTest {
    private static final String UPSTREAM_U = "upstreams: [{id: u, targets: [{url: \"http://127.0.0.1:9001\"}]}]\n";
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();

    /** A config with upstream {@code u} and one route {@code r} to it, plus {@code fields}. */
    private static String route(String fields) {
        return UPSTREAM_U + "routes: [{id: r, upstream: u, " + fields + "}]\n";
    }

    /** A config with one upstream {@code u} made of {@code fields}. */
    private static String upstream(String fields) {
        return "upstreams: [{id: u, " + fields + "}]\n";
    }

    private static String target(String fields) {
        return upstream("targets: [{url: \"http://127.0.0.1:9001\"}], " + fields);
    }

    private static String grpcTarget(String fields) {
        return upstream("targets: [{url: \"grpc://127.0.0.1:50051\"}], " + fields);
    }

    private static String consumer(String fields) {
        return "consumers: [{id: c, " + fields + "}]\n";
    }

    private static final String CERT = "\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\"";
    private static final String KEY = "\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"";

    private static String certificate(String fields) {
        return "certificates: [{id: c, " + fields + "}]\n";
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // --- reading: keys and types
                Arguments.of("unknown top-level key", "rotues: []", "unknown key \"rotues\""),
                Arguments.of("camelCase key gets a suggestion", route("paths: [/a], stripPrefix: true"),
                        "routes[0]: unknown key \"stripPrefix\" (did you mean \"strip_prefix\"?)"),
                Arguments.of("duration in words", route("paths: [/a], timeouts: {read: 5 seconds}"),
                        "routes[0].timeouts.read: expected a duration like 500ms, 2s, 1m, 1h, got \"5 seconds\""),
                Arguments.of("duration without unit", route("paths: [/a], timeouts: {connect: 5}"),
                        "routes[0].timeouts.connect: expected a duration like 500ms, 2s, 1m, 1h, got 5"),
                Arguments.of("integer as text", route("paths: [/a], priority: high"),
                        "routes[0].priority: expected an integer, got \"high\""),
                Arguments.of("integer with a fraction", upstream("targets: [{url: \"http://127.0.0.1:9001\", weight: 1.5}]"),
                        "upstreams[0].targets[0].weight: expected an integer, got 1.5"),
                Arguments.of("integer too large", route("paths: [/a], priority: 99999999999"),
                        "routes[0].priority: number too large: 99999999999"),
                Arguments.of("idle timeout without WebSocket", route("paths: [/a], timeouts: {idle: 5s}"),
                        "routes[0].timeouts.idle: only meaningful on a WebSocket route (websocket: true): it bounds"
                        + " how long a relayed WebSocket may carry no bytes"),
                Arguments.of("boolean as text", route("paths: [/a], websocket: maybe"),
                        "routes[0].websocket: expected true or false, got \"maybe\""),
                Arguments.of("scalar for a list", route("paths: /a"), "routes[0].paths: expected a list, got \"/a\""),
                Arguments.of("scalar for a map", route("paths: [/a], timeouts: 5s"),
                        "routes[0].timeouts: expected a map, got \"5s\""),
                Arguments.of("unknown balancer", target("balancer: random"),
                        "upstreams[0].balancer: expected one of round-robin, weighted, ip-hash, least-connections, "
                                + "consistent-hash, got \"random\""),
                Arguments.of("number as text", target("circuit_breaker: {failure_ratio: half}"),
                        "upstreams[0].circuit_breaker.failure_ratio: expected a number, got \"half\""),
                Arguments.of("list for a string", upstream("targets: [{url: [a]}]"),
                        "upstreams[0].targets[0].url: expected a string, got a list"),
                Arguments.of("null in a list", route("paths: [/a, null]"), "routes[0].paths[1]: expected a string, got null"),
                Arguments.of("list at the top", "- routes", "expected a map, got a list"),
                Arguments.of("duplicate key", "routes: []\nroutes: []\n",
                        "malformed YAML at line 2, column 7: Duplicate field 'routes'"),
                Arguments.of("two YAML documents", "routes: []\n---\nupstreams: []\n",
                        "malformed YAML at line 3, column 1: a config file holds one YAML document"),
                Arguments.of("unclosed list", "routes: [\n", "malformed YAML at line 1, column 10: expected the node content, but found '<stream end>'"),
                Arguments.of("alias", UPSTREAM_U + "routes: [{id: &x r, paths: [/a], upstream: u}, {id: *x, paths: [/b], upstream: u}]",
                        "malformed YAML at line 2, column 55: YAML aliases (*x) are not supported; repeat the value"),
                // --- ids and references
                Arguments.of("missing id", UPSTREAM_U + "routes: [{paths: [/a], upstream: u}]", "routes[0].id: required"),
                Arguments.of("upper-case id", UPSTREAM_U + "routes: [{id: Users, paths: [/a], upstream: u}]",
                        "routes[0].id: invalid id \"Users\": expected [a-z0-9][a-z0-9._-]{0,63}"),
                Arguments.of("id with a slash", "upstreams: [{id: a/b, targets: [{url: \"http://127.0.0.1:9001\"}]}]",
                        "upstreams[0].id: invalid id \"a/b\": expected [a-z0-9][a-z0-9._-]{0,63}"),
                Arguments.of("duplicate route id", UPSTREAM_U + "routes: [{id: r, paths: [/a], upstream: u}, {id: r, paths: [/b], upstream: u}]",
                        "routes[1].id: duplicate id \"r\" (also routes[0])"),
                Arguments.of("unknown upstream", UPSTREAM_U + "routes: [{id: r, paths: [/a], upstream: users}]",
                        "routes[0].upstream: unknown upstream \"users\""),
                Arguments.of("route without upstream", UPSTREAM_U + "routes: [{id: r, paths: [/a]}]", "routes[0].upstream: required"),
                // --- route paths
                Arguments.of("route without paths", route("hosts: [a.example.com]"), "routes[0].paths: a route needs at least one path"),
                Arguments.of("relative path", route("paths: [users]"), "routes[0].paths[0]: must start with \"/\", got \"users\""),
                Arguments.of("query in a path", route("paths: [\"/a?b=1\"]"),
                        "routes[0].paths[0]: must not contain \"?\" or \"#\" (queries are not matched)"),
                Arguments.of("star inside a path", route("paths: [\"/a*/b\"]"),
                        "routes[0].paths[0]: \"*\" is only allowed as a trailing \"/*\" (prefix match)"),
                Arguments.of("variable inside a segment", route("paths: [\"/users/id{x}\"]"),
                        "routes[0].paths[0]: a template variable is a whole segment named like {id}, got \"id{x}\""),
                Arguments.of("variable name starting with a digit", route("paths: [\"/users/{1x}\"]"),
                        "routes[0].paths[0]: a template variable is a whole segment named like {id}, got \"{1x}\""),
                Arguments.of("variable used twice", route("paths: [\"/a/{id}/b/{id}\"]"),
                        "routes[0].paths[0]: duplicate template variable {id}"),
                Arguments.of("template and prefix", route("paths: [\"/a/{id}/*\"]"),
                        "routes[0].paths[0]: a path is a prefix (/*) or a template ({name}), not both"),
                Arguments.of("dot-dot segment", route("paths: [/a/../b]"), "routes[0].paths[0]: \".\" and \"..\" segments are not allowed"),
                Arguments.of("empty segment", route("paths: [/a//b]"), "routes[0].paths[0]: empty segment (\"//\")"),
                Arguments.of("space in a path", route("paths: [\"/a b\"]"), "routes[0].paths[0]: invalid character in segment \"a b\""),
                Arguments.of("duplicate path", route("paths: [/a, /a]"), "routes[0].paths[1]: duplicate path \"/a\""),
                // --- hosts, methods, headers, priority
                Arguments.of("upper-case host", route("paths: [/a], hosts: [API.example.com]"),
                        "routes[0].hosts[0]: invalid host \"API.example.com\": expected a lower-case name like api.example.com or *.example.org"),
                Arguments.of("host with a port", route("paths: [/a], hosts: [\"api.example.com:8080\"]"),
                        "routes[0].hosts[0]: invalid host \"api.example.com:8080\": expected a lower-case name like api.example.com or *.example.org"),
                Arguments.of("wildcard in the middle", route("paths: [/a], hosts: [\"api.*.com\"]"),
                        "routes[0].hosts[0]: invalid host \"api.*.com\": expected a lower-case name like api.example.com or *.example.org"),
                Arguments.of("lower-case method", route("paths: [/a], methods: [get]"),
                        "routes[0].methods[0]: methods are upper-case: write GET, not get"),
                Arguments.of("unknown method", route("paths: [/a], methods: [FETCH]"), "routes[0].methods[0]: unknown method \"FETCH\""),
                Arguments.of("bad header name", route("paths: [/a], headers: {\"x bad\": \"1\"}"),
                        "routes[0].headers.x bad: invalid header name \"x bad\""),
                Arguments.of("header names differing in case", route("paths: [/a], headers: {X-A: \"1\", x-a: \"2\"}"),
                        "routes[0].headers.x-a: duplicate header (names are case-insensitive): \"X-A\""),
                Arguments.of("priority out of range", route("paths: [/a], priority: 5000"),
                        "routes[0].priority: must be between -1000 and 1000, got 5000"),
                // --- strip_prefix, rewrite, timeouts, retries
                Arguments.of("strip_prefix on an exact path", route("paths: [\"/a/*\", /b], strip_prefix: true"),
                        "routes[0].strip_prefix: needs prefix paths (ending in /*), but \"/b\" is not one"),
                Arguments.of("strip_prefix with rewrite", route("paths: [\"/a/*\"], strip_prefix: true, rewrite: {path: /b}"),
                        "routes[0].strip_prefix: strip_prefix and rewrite cannot be combined"),
                Arguments.of("rewrite with an uncaptured variable", route("paths: [\"/u/{id}\", /u], rewrite: {path: \"/v2/{id}\"}"),
                        "routes[0].rewrite.path: {id} is not a template variable of every path of the route"),
                Arguments.of("relative rewrite", route("paths: [/a], rewrite: {path: b}"),
                        "routes[0].rewrite.path: must start with \"/\", got \"b\""),
                Arguments.of("zero timeout", route("paths: [/a], timeouts: {read: 0s}"), "routes[0].timeouts.read: must be greater than 0"),
                Arguments.of("zero total timeout", route("paths: [/a], timeouts: {total: 0s}"),
                        "routes[0].timeouts.total: must be greater than 0"),
                Arguments.of("too many retries", route("paths: [/a], retries: {attempts: 11}"),
                        "routes[0].retries.attempts: must be between 0 and 10, got 11"),
                Arguments.of("unknown retry condition", route("paths: [/a], retries: {attempts: 1, on: [5xx]}"),
                        "routes[0].retries.on[0]: expected connect-failure, timeout or a status code 100..599, got \"5xx\""),
                // --- plugins
                Arguments.of("unknown plugin", route("paths: [/a], plugins: {foo: {}}"), "routes[0].plugins.foo: unknown plugin \"foo\""),
                Arguments.of("plugin schema error", route("paths: [/a], plugins: {rate-limit: {per: 1s}}"),
                        "routes[0].plugins.rate-limit.rate: required"),
                Arguments.of("plugin schema duration", route("paths: [/a], plugins: {rate-limit: {rate: 5, per: often}}"),
                        "routes[0].plugins.rate-limit.per: expected a duration like 500ms, 2s, 1m, 1h, got \"often\""),
                Arguments.of("plugin config not a map", route("paths: [/a], plugins: {rate-limit: 5}"),
                        "routes[0].plugins.rate-limit: expected a map (write {} for the defaults)"),
                Arguments.of("unknown global plugin", "global_plugins: {gzip: {}}", "global_plugins.gzip: unknown plugin \"gzip\""),
                Arguments.of("consumer plugin error", consumer("plugins: {rate-limit: {rate: 0}}"),
                        "consumers[0].plugins.rate-limit.rate: must be at least 1, got 0"),
                // --- upstreams
                Arguments.of("upstream without targets", upstream("targets: []"), "upstreams[0].targets: an upstream needs at least one target"),
                Arguments.of("ftp target", upstream("targets: [{url: \"ftp://127.0.0.1:21\"}]"),
                        "upstreams[0].targets[0].url: expected http://host:port, https://host:port, grpc://host:port or grpcs://host:port, got \"ftp://127.0.0.1:21\""),
                Arguments.of("target without port", upstream("targets: [{url: \"http://10.0.0.1\"}]"),
                        "upstreams[0].targets[0].url: expected http://host:port, https://host:port, grpc://host:port or grpcs://host:port, got \"http://10.0.0.1\""),
                Arguments.of("target with a path", upstream("targets: [{url: \"http://10.0.0.1:80/api\"}]"),
                        "upstreams[0].targets[0].url: a target URL has no path, query or user info, got \"http://10.0.0.1:80/api\""),
                Arguments.of("target with user info", upstream("targets: [{url: \"http://me:pw@10.0.0.1:80\"}]"),
                        "upstreams[0].targets[0].url: a target URL has no path, query or user info, got \"http://me:pw@10.0.0.1:80\""),
                Arguments.of("duplicate target", upstream("targets: [{url: \"http://10.0.0.1:80\"}, {url: \"http://10.0.0.1:80\"}]"),
                        "upstreams[0].targets[1].url: duplicate target \"http://10.0.0.1:80\""),
                Arguments.of("weight out of range", upstream("targets: [{url: \"http://10.0.0.1:80\", weight: 2000}]"),
                        "upstreams[0].targets[0].weight: must be between 0 and 1000, got 2000"),
                Arguments.of("consistent-hash without hash_on", target("balancer: consistent-hash"),
                        "upstreams[0].hash_on: required by the consistent-hash balancer"),
                Arguments.of("hash_on with round-robin", target("hash_on: ip"), "upstreams[0].hash_on: only used by the consistent-hash balancer"),
                Arguments.of("malformed hash_on", target("balancer: consistent-hash, hash_on: \"query:x\""),
                        "upstreams[0].hash_on: expected header:NAME, cookie:NAME, ip or path, got \"query:x\""),
                Arguments.of("unknown probe type", target("health_check: {active: {type: udp}}"),
                        "upstreams[0].health_check.active.type: expected http, tcp or grpc, got \"udp\""),
                // --- gRPC upstreams (SPEC §16)
                Arguments.of("grpc and http targets mixed",
                        upstream("targets: [{url: \"grpc://10.0.0.1:50051\"}, {url: \"http://10.0.0.2:80\"}]"),
                        "upstreams[0].targets[1].url: all targets of an upstream speak the same protocol: grpc:// or"
                                + " grpcs:// like the first, got \"http://10.0.0.2:80\""),
                Arguments.of("grpc target with a path", upstream("targets: [{url: \"grpcs://10.0.0.1:443/svc\"}]"),
                        "upstreams[0].targets[0].url: a target URL has no path, query or user info, got \"grpcs://10.0.0.1:443/svc\""),
                Arguments.of("grpc probe of http targets", target("health_check: {active: {type: grpc}}"),
                        "upstreams[0].health_check.active.type: type grpc needs grpc:// or grpcs:// targets"),
                Arguments.of("http probe of grpc targets", grpcTarget("health_check: {active: {type: http}}"),
                        "upstreams[0].health_check.active.type: the targets speak gRPC: expected grpc or tcp, got \"http\""),
                Arguments.of("grpc probe with a path", grpcTarget("health_check: {active: {type: grpc, path: /healthz}}"),
                        "upstreams[0].health_check.active.path: not used by type grpc (it asks about a service: set service)"),
                Arguments.of("grpc probe with statuses", grpcTarget("health_check: {active: {type: grpc, statuses: [200]}}"),
                        "upstreams[0].health_check.active.statuses: not used by type grpc (success is SERVING)"),
                Arguments.of("grpc probe service malformed", grpcTarget("health_check: {active: {type: grpc, service: \"a b\"}}"),
                        "upstreams[0].health_check.active.service: expected a gRPC service name like pkg.Service"
                                + " (letters, digits, '.', '_'), got \"a b\""),
                Arguments.of("service on an http probe", target("health_check: {active: {service: echo.Echo}}"),
                        "upstreams[0].health_check.active.service: only used by type grpc"),
                Arguments.of("probe timeout above interval", target("health_check: {active: {interval: 1s, timeout: 2s}}"),
                        "upstreams[0].health_check.active.timeout: must be shorter than interval"),
                Arguments.of("zero healthy threshold", target("health_check: {active: {healthy: 0}}"),
                        "upstreams[0].health_check.active.healthy: must be between 1 and 1000, got 0"),
                Arguments.of("impossible status", target("health_check: {active: {statuses: [200, 700]}}"),
                        "upstreams[0].health_check.active.statuses[1]: must be between 100 and 599, got 700"),
                Arguments.of("zero passive failures", target("health_check: {passive: {failures: 0}}"),
                        "upstreams[0].health_check.passive.failures: must be between 1 and 1000, got 0"),
                Arguments.of("zero ejection", target("health_check: {passive: {ejection: 0ms}}"),
                        "upstreams[0].health_check.passive.ejection: must be greater than 0"),
                Arguments.of("zero failure ratio", target("circuit_breaker: {failure_ratio: 0}"),
                        "upstreams[0].circuit_breaker.failure_ratio: must be greater than 0 and at most 1, got 0.0"),
                Arguments.of("zero breaker volume", target("circuit_breaker: {volume: 0}"),
                        "upstreams[0].circuit_breaker.volume: must be between 1 and 100000, got 0"),
                Arguments.of("zero pool", target("pool: {max_connections: 0}"),
                        "upstreams[0].pool.max_connections: must be between 1 and 100000, got 0"),
                Arguments.of("client cert without key", target("tls: {client_cert_file: /c.pem}"),
                        "upstreams[0].tls: client_cert_file and client_key_file must be set together"),
                // --- consumers
                Arguments.of("short API key", consumer("key_auth: {key: abc}"), "consumers[0].key_auth.key: must be at least 8 characters"),
                Arguments.of("API key of two consumers", "consumers: [{id: a, key_auth: {key: k-12345678}}, {id: b, key_auth: {key: k-12345678}}]",
                        "consumers[1].key_auth.key: already used by consumers[0]"),
                Arguments.of("user name with a colon", consumer("basic_auth: {username: \"a:b\", password: pw}"),
                        "consumers[0].basic_auth.username: must not contain \":\""),
                Arguments.of("basic auth without password", consumer("basic_auth: {username: alice}"),
                        "consumers[0].basic_auth.password: required"),
                Arguments.of("password hash with too many iterations",
                        consumer("basic_auth: {username: alice, password: \"pbkdf2-sha256:9999999:c2FsdA==:"
                                + "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=\"}"),
                        "consumers[0].basic_auth.password: pbkdf2-sha256 iterations must be between 1 and 1000000"),
                Arguments.of("password hash that is not base64",
                        consumer("basic_auth: {username: alice, password: \"pbkdf2-sha256:1000:c2FsdA==:not base64!\"}"),
                        "consumers[0].basic_auth.password: pbkdf2-sha256 needs a salt and a 32 byte hash, in standard base64"),
                Arguments.of("jwt without issuer", consumer("jwt: {audience: api}"), "consumers[0].jwt.issuer: required"),
                // --- certificates
                Arguments.of("certificate without snis", certificate("cert: " + CERT + ", key: " + KEY),
                        "certificates[0].snis: a certificate needs at least one SNI name"),
                Arguments.of("cert and cert_file", certificate("snis: [a.example.com], cert: " + CERT + ", cert_file: /c.pem, key: " + KEY),
                        "certificates[0]: set cert or cert_file, not both"),
                Arguments.of("no key", certificate("snis: [a.example.com], cert: " + CERT),
                        "certificates[0].key: required (or key_file)"),
                Arguments.of("cert not PEM", certificate("snis: [a.example.com], cert: abc, key: " + KEY),
                        "certificates[0].cert: expected a PEM certificate (-----BEGIN CERTIFICATE-----)"),
                Arguments.of("PKCS#1 key", certificate("snis: [a.example.com], cert: " + CERT
                                + ", key: \"-----BEGIN RSA PRIVATE KEY-----\\nx\\n-----END RSA PRIVATE KEY-----\""),
                        "certificates[0].key: expected a PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt"),
                Arguments.of("SNI of two certificates", "certificates: [{id: a, snis: [a.example.com], cert_file: /a, key_file: /a},"
                                + " {id: b, snis: [a.example.com], cert_file: /b, key_file: /b}]",
                        "certificates[1].snis[0]: \"a.example.com\" is already served by certificates[0]"),
                Arguments.of("bare wildcard SNI", certificate("snis: [\"*\"], cert_file: /a, key_file: /a"),
                        "certificates[0].snis[0]: invalid host \"*\": expected a lower-case name like api.example.com or *.example.org"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void reportsTheOneErrorWithItsPath(String name, String yaml, String expected) {
        Validated<?> result = VALIDATOR.check(yaml, ConfigCodec.Format.YAML);
        assertEquals(List.of(expected), result.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void reportsEveryErrorOfAConfigAtOnceInDocumentOrder() {
        String yaml = """
                routes:
                  - {id: a, paths: [users], upstream: u, methods: [get]}
                  - {id: a, paths: [/b], upstream: nowhere, timeouts: {read: 0s}}
                upstreams:
                  - {id: u, balancer: consistent-hash, targets: [{url: "http://127.0.0.1:9001/x", weight: -1}]}
                consumers:
                  - {id: c, key_auth: {key: short}}
                certificates:
                  - {id: t, snis: [a.example.com], cert_file: /c.pem}
                global_plugins: {nope: {}, rate-limit: {rate: 1, bursts: 2}}
                """;
        List<String> errors = VALIDATOR.check(yaml, ConfigCodec.Format.YAML).errors().stream().map(ConfigError::toString).toList();
        assertEquals(List.of(
                "routes[0].paths[0]: must start with \"/\", got \"users\"",
                "routes[0].methods[0]: methods are upper-case: write GET, not get",
                "routes[1].id: duplicate id \"a\" (also routes[0])",
                "routes[1].upstream: unknown upstream \"nowhere\"",
                "routes[1].timeouts.read: must be greater than 0",
                "upstreams[0].hash_on: required by the consistent-hash balancer",
                "upstreams[0].targets[0].url: a target URL has no path, query or user info, got \"http://127.0.0.1:9001/x\"",
                "upstreams[0].targets[0].weight: must be between 0 and 1000, got -1",
                "consumers[0].key_auth.key: must be at least 8 characters",
                "certificates[0].key: required (or key_file)",
                "global_plugins.nope: unknown plugin \"nope\"",
                "global_plugins.rate-limit: unknown key \"bursts\""), errors);
    }

    @Test
    void reportsEveryReadingErrorAtOnce() {
        String yaml = """
                routes:
                  - {id: a, paths: /a, priority: x, timeouts: {read: soon}, colour: red}
                upstreams:
                  - {id: u, balancer: fastest, targets: [{url: "http://127.0.0.1:9001", weight: heavy}]}
                """;
        List<String> errors = VALIDATOR.check(yaml, ConfigCodec.Format.YAML).errors().stream().map(ConfigError::toString).toList();
        assertEquals(List.of(
                "routes[0]: unknown key \"colour\"",
                "routes[0].paths: expected a list, got \"/a\"",
                "routes[0].priority: expected an integer, got \"x\"",
                "routes[0].timeouts.read: expected a duration like 500ms, 2s, 1m, 1h, got \"soon\"",
                "upstreams[0].balancer: expected one of round-robin, weighted, ip-hash, least-connections, consistent-hash, got \"fastest\"",
                "upstreams[0].targets[0].weight: expected an integer, got \"heavy\""), errors);
    }

    @Test
    void reportsReadingAndMeaningErrorsInOnePassAtTheAuthorsPaths() {
        String yaml = UPSTREAM_U + """
                routes:
                  - {id: a, paths: [/a], upstream: u, colour: red}
                  - {id: b, paths: [/b], upstream: nowhere}
                  - {id: b, paths: [b], upstream: u}
                """;
        assertEquals(List.of(
                "routes[0]: unknown key \"colour\"",
                "routes[1].upstream: unknown upstream \"nowhere\"",
                "routes[2].id: duplicate id \"b\" (also routes[1])",
                "routes[2].paths[0]: must start with \"/\", got \"b\""), errors(yaml));
    }

    @Test
    void aReferenceToAnObjectThatFailedToReadIsNotDangling() {
        String yaml = """
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:9001", weight: heavy}]}
                routes:
                  - {id: a, paths: [/a], upstream: u, plugins: {traffic-split: {upstream: v, weight: 10}}}
                """;
        assertEquals(List.of(
                "upstreams[0].targets[0].weight: expected an integer, got \"heavy\"",
                "routes[0].plugins.traffic-split.upstream: unknown upstream \"v\""), errors(yaml));
        // a list that is not a list: which upstreams it meant is unknown, so no reference is dangling
        assertEquals(List.of("upstreams: expected a list, got a map"),
                errors("upstreams: {id: u}\nroutes: [{id: a, paths: [/a], upstream: u}]\n"));
    }

    private static List<String> errors(String yaml) {
        return VALIDATOR.check(yaml, ConfigCodec.Format.YAML).errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void acceptsTheSpecsOwnExampleShapes() {
        String yaml = route("hosts: [api.example.com, \"*.example.org\"], paths: [/users, \"/users/*\", \"/users/{id}\"],"
                + " methods: [GET, POST], headers: {x-canary: \"true\"}, rewrite: {path: \"/v2/users\"},"
                + " retries: {attempts: 2, on: [connect-failure, 502, 503, 504]}, plugins: {rate-limit: {rate: 100, per: 1s}},"
                + " websocket: false");
        Validated<?> result = VALIDATOR.check(yaml, ConfigCodec.Format.YAML);
        assertTrue(result.isValid(), result.errors()::toString);
    }

    @Test
    void acceptsGrpcUpstreamsWithAGrpcHealthCheck() {
        String yaml = """
                upstreams:
                  - id: g
                    targets: [{url: "grpc://127.0.0.1:50051"}, {url: "grpcs://10.0.0.2:443", weight: 2}]
                    health_check: {active: {type: grpc, service: echo.Echo, interval: 2s}}
                  - id: t
                    targets: [{url: "grpc://127.0.0.1:50052"}]
                    health_check: {active: {type: tcp}}
                routes: [{id: r, paths: ["/echo.Echo/*"], upstream: g}]
                """;
        Validated<stargate.model.GatewayConfig> result = VALIDATOR.check(yaml, ConfigCodec.Format.YAML);
        assertTrue(result.isValid(), result.errors()::toString);
        stargate.model.Upstream g = result.value().upstreams().get(0);
        assertTrue(g.grpc());
        assertEquals("echo.Echo", g.healthCheck().active().service());
        assertEquals(null, g.healthCheck().active().path());
        assertTrue(!stargate.model.Upstream.of("h", "http://a:1").grpc());
        // an unnamed service asks about the server as a whole (the empty name, as grpc.health.v1 defines)
        String whole = "upstreams: [{id: g, targets: [{url: \"grpc://127.0.0.1:1\"}], health_check: {active: {type: grpc}}}]";
        assertEquals("", VALIDATOR.check(whole, ConfigCodec.Format.YAML).value().upstreams().get(0)
                .healthCheck().active().service());
    }

    @Test
    void validatesPluginConfigsWhereverTheyAreSet() {
        JsonNode bad = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("rate", -1);
        List<ConfigError> errors = VALIDATOR.validate(new stargate.model.GatewayConfig(null, null,
                List.of(new stargate.model.Consumer("c", null, null, null, java.util.Map.of("rate-limit", bad))),
                null, java.util.Map.of("rate-limit", bad)));
        assertEquals(List.of("consumers[0].plugins.rate-limit.rate", "global_plugins.rate-limit.rate"),
                errors.stream().map(ConfigError::path).toList());
    }
}
