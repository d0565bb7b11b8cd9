package stargate.model.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.model.BalancerKind;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec.Format;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

class ConfigCodecTest {
    static final Path STANDALONE = Path.of("../etc/examples/standalone.yaml");

    /** Every key of SPEC §3, each with a value other than its default, so that writing keeps it. */
    static final String MAXIMAL = """
            routes:
              - id: users
                hosts: [api.example.com, "*.example.org"]
                paths: [/users, "/users/*", "/users/{id}"]
                methods: [GET, POST]
                headers: {x-canary: "true", x-hex: "0x10"}
                priority: 7
                upstream: users-svc
                strip_prefix: true
                rewrite: {path: "/v2/users/{id}"}
                preserve_host: true
                timeouts: {connect: 500ms, read: 1m, idle: 1h, total: 90s}
                retries: {attempts: 2, on: [connect-failure, 502, 503, timeout], methods: [GET, HEAD]}
                plugins: {key-auth: {}, rate-limit: {rate: 100, per: 1s, burst: 50, key: consumer}}
                websocket: true
            upstreams:
              - id: users-svc
                balancer: consistent-hash
                hash_on: header:x-user-id
                targets:
                  - {url: "http://10.0.0.11:8080", weight: 3}
                  - {url: "https://10.0.0.12:8443", weight: 0}
                health_check:
                  active: {type: tcp, path: /healthz, interval: 10s, timeout: 2s, healthy: 4, unhealthy: 5, statuses: [200, 204], service: echo.Echo}
                  passive: {statuses: [500], failures: 7, ejection: 1m}
                circuit_breaker: {failure_ratio: 0.25, volume: 40, open_for: 30s, half_open_successes: 4}
                pool: {max_connections: 64, idle_timeout: 15s}
                tls: {verify: false, ca_file: /etc/ssl/ca.pem, client_cert_file: /etc/ssl/c.pem, client_key_file: /etc/ssl/k.pem}
            consumers:
              - id: alice
                key_auth: {key: "k-0123456789"}
                basic_auth: {username: alice, password: "s3cret!"}
                jwt: {issuer: "https://idp.example.com", audience: api, subject: alice}
                plugins: {rate-limit: {rate: 1000, per: 1m}}
            certificates:
              - id: example
                snis: [api.example.com, "*.example.org"]
                cert: |
                  -----BEGIN CERTIFICATE-----
                  MIIB
                  -----END CERTIFICATE-----
                cert_file: /etc/ssl/example.pem
                key: |
                  -----BEGIN PRIVATE KEY-----
                  MIIE
                  -----END PRIVATE KEY-----
                key_file: /etc/ssl/example.key
                ecdsa_cert: |
                  -----BEGIN CERTIFICATE-----
                  MIIB
                  -----END CERTIFICATE-----
                ecdsa_cert_file: /etc/ssl/example-ec.pem
                ecdsa_key: |
                  -----BEGIN PRIVATE KEY-----
                  MIGH
                  -----END PRIVATE KEY-----
                ecdsa_key_file: /etc/ssl/example-ec.key
                ocsp_stapling: true
            global_plugins: {request-id: {}, cors: {allow_origins: ["https://app.example.com"], max_age: 600}}
            """;

    static GatewayConfig read(String text, Format format) {
        return ConfigCodec.readConfig(text, format).orElseThrow();
    }

    static Stream<Arguments> configs() throws IOException {
        return Stream.of(Arguments.of("maximal", MAXIMAL), Arguments.of("standalone example", Files.readString(STANDALONE)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void yamlToModelToJsonToModelGivesAnEqualModel(String name, String yaml) {
        GatewayConfig fromYaml = read(yaml, Format.YAML);
        String json = ConfigCodec.write(fromYaml, Format.JSON);
        assertEquals(fromYaml, read(json, Format.JSON));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void writtenYamlReadsBackEqualAndWritesTheSameText(String name, String yaml) {
        GatewayConfig config = read(yaml, Format.YAML);
        String written = ConfigCodec.write(config, Format.YAML);
        GatewayConfig back = read(written, Format.YAML);
        assertEquals(config, back);
        assertEquals(written, ConfigCodec.write(back, Format.YAML));
    }

    @Test
    void theMaximalConfigSetsEveryKeyOfEveryRecord() {
        String json = ConfigCodec.write(read(MAXIMAL, Format.YAML), Format.JSON);
        for (Class<?> type : recordsReachableFrom(GatewayConfig.class, new LinkedHashSet<>())) {
            for (RecordShape.Field field : RecordShape.of(type).fields()) {
                assertTrue(json.contains("\"" + field.key() + "\":"), type.getSimpleName() + "." + field.key() + " not written");
            }
        }
    }

    @Test
    void bindsSnakeCaseKeysToTheirComponents() {
        GatewayConfig config = read(MAXIMAL, Format.YAML);
        Route route = config.routes().get(0);
        assertEquals(List.of("connect-failure", "502", "503", "timeout"), route.retries().on());
        assertEquals(new Route.Timeouts(Duration.ofMillis(500), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofSeconds(90)), route.timeouts());
        assertTrue(route.stripPrefix() && route.preserveHost() && route.websocket());
        Upstream upstream = config.upstreams().get(0);
        assertEquals(BalancerKind.CONSISTENT_HASH, upstream.balancer());
        assertEquals(new Upstream.CircuitBreaker(0.25, 40, Duration.ofSeconds(30), 4), upstream.circuitBreaker());
        assertEquals(new Upstream.Pool(64, Duration.ofSeconds(15)), upstream.pool());
        assertEquals("/etc/ssl/k.pem", upstream.tls().clientKeyFile());
        assertEquals(100, config.routes().get(0).plugins().get("rate-limit").get("rate").intValue());
        assertEquals(Set.of("request-id", "cors"), config.globalPlugins().keySet());
    }

    @Test
    void leavesDefaultsOutWhenWriting() {
        Route route = Route.of("r", List.of("/a"), "u");
        assertEquals("{\"id\":\"r\",\"paths\":[\"/a\"],\"upstream\":\"u\"}", ConfigCodec.write(route, Format.JSON));
        assertEquals(ConfigCodec.write(route, Format.JSON), ConfigCodec.toTree(route).toString());
        Upstream upstream = Upstream.of("u", "http://127.0.0.1:9001");
        assertEquals("id: u\ntargets:\n- url: http://127.0.0.1:9001\n", ConfigCodec.write(upstream, Format.YAML));
    }

    @Test
    void quotesEveryStringWhenMinimalQuotingWouldBeMisread() {
        Route route = new Route("r", null, List.of("/a"), null, Map.of("x-n", "1_000"), 0, "u",
                false, null, false, null, null, null, false);
        String yaml = ConfigCodec.write(new GatewayConfig(List.of(route), null, null, null, null), Format.YAML);
        assertTrue(yaml.contains("\"1_000\""), yaml);
        assertEquals(route, read(yaml, Format.YAML).routes().get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "# nothing here\n", "---\n"})
    void emptyYamlIsTheEmptyConfig(String text) {
        assertEquals(GatewayConfig.EMPTY, read(text, Format.YAML));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedJson")
    void malformedJsonIsOneErrorWithLineAndColumn(String json, String expected) {
        assertEquals(List.of(new ConfigError("", expected)), ConfigCodec.readConfig(json, Format.JSON).errors());
    }

    static Stream<Arguments> malformedJson() {
        return Stream.of(
                Arguments.of("{\"routes\": [}", "malformed JSON at line 1, column 13: Unexpected close marker '}': expected ']'"),
                Arguments.of("{\n\"routes\": []\n} {}", "malformed JSON at line 3, column 3: unexpected text after the JSON value"),
                Arguments.of("{\"routes\": [], \"routes\": []}", "malformed JSON at line 1, column 24: Duplicate field 'routes'"));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readsOneObjectOfEachKindBackFromItsJson(Kind kind) {
        GatewayConfig config = read(MAXIMAL, Format.YAML);
        Object object = switch (kind) {
            case ROUTE -> config.routes().get(0);
            case UPSTREAM -> config.upstreams().get(0);
            case CONSUMER -> config.consumers().get(0);
            case CERTIFICATE -> config.certificates().get(0);
            case GLOBAL_PLUGINS -> config.globalPlugins();
        };
        Validated<Object> back = ConfigCodec.readObject(kind, ConfigCodec.write(object, Format.JSON));
        assertEquals(object, back.orElseThrow());
    }

    @Test
    void reportsErrorsOfOneObjectRelativeToIt() {
        Validated<Object> result = ConfigCodec.readObject(Kind.ROUTE, "{\"id\": \"r\", \"paths\": \"/a\", \"retries\": {\"attempts\": \"2\"}}");
        assertEquals(List.of("paths: expected a list, got \"/a\"", "retries.attempts: expected an integer, got \"2\""),
                result.errors().stream().map(ConfigError::toString).toList());
        assertEquals(List.of("expected a map, got nothing"),
                ConfigCodec.readObject(Kind.UPSTREAM, "").errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void keepsPluginConfigsAsWritten() {
        Validated<Object> plugins = ConfigCodec.readObject(Kind.GLOBAL_PLUGINS, "{\"cors\": {\"max_age\": \"10m\", \"x\": [1, null]}}");
        JsonNode cors = ((Map<?, ?>) plugins.orElseThrow()).get("cors") instanceof JsonNode n ? n : null;
        assertInstanceOf(JsonNode.class, cors);
        assertEquals(JsonNodeFactory.instance.textNode("10m"), cors.get("max_age"));
        assertTrue(cors.get("x").get(1).isNull());
    }

    private static Set<Class<?>> recordsReachableFrom(Type type, Set<Class<?>> seen) {
        if (type instanceof ParameterizedType p) {
            for (Type argument : p.getActualTypeArguments()) {
                recordsReachableFrom(argument, seen);
            }
        } else if (type instanceof Class<?> c && c.isRecord() && seen.add(c)) {
            for (RecordComponent component : c.getRecordComponents()) {
                recordsReachableFrom(component.getGenericType(), seen);
            }
        }
        return seen;
    }
}
