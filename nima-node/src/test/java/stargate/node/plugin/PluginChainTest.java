package stargate.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.PluginSchema;

/** The chain's order, short-circuit, response phase, consumer and global overrides, and contract checks. */
class PluginChainTest {
    /** What the test plugins did, in order: "name:request", "name:response". */
    private final List<String> trace = new ArrayList<>();

    /** A factory whose plugin logs both phases and does {@code onRequest} (config {"tag": ...} is logged). */
    private PluginFactory factory(String name, Phase phase, BiFunction<Exchange, String, Verdict> onRequest) {
        return new PluginFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Phase phase() {
                return phase;
            }

            @Override
            public PluginSchema schema() {
                return new PluginSchema() {
                    @Override
                    public String name() {
                        return name;
                    }

                    @Override
                    public void validate(JsonNode config, String path, List<ConfigError> errors) {
                    }
                };
            }

            @Override
            public Plugin create(JsonNode config, PluginContext context) {
                String label = config.has("tag") ? name + "/" + config.get("tag").asText() : name;
                return new Plugin() {
                    @Override
                    public Verdict onRequest(Exchange exchange) {
                        trace.add(label + ":request");
                        return onRequest.apply(exchange, label);
                    }

                    @Override
                    public void onResponse(Exchange exchange, Response response) {
                        trace.add(label + ":response");
                    }
                };
            }
        };
    }

    private static Verdict pass(Exchange exchange, String label) {
        return Verdict.PASS;
    }

    private final PluginRegistry registry = PluginRegistry.of(
            factory("logger", Phase.LOG, PluginChainTest::pass),
            factory("auth", Phase.AUTH, (ex, label) -> {
                String user = ex.request().header("user");
                if (user == null) {
                    return Verdict.reject(401, "unauthorized", "who are you");
                }
                ex.authenticate(ex.credentials().consumer(user));
                return Verdict.PASS;
            }),
            factory("limit", Phase.RATE_LIMIT, PluginChainTest::pass),
            factory("edge", Phase.EDGE, PluginChainTest::pass),
            factory("nulls", Phase.TRANSFORM, (ex, label) -> null),
            factory("throws", Phase.TRANSFORM, (ex, label) -> {
                throw new IllegalArgumentException("boom");
            }),
            factory("sneaky", Phase.TRANSFORM, (ex, label) -> {
                ex.authenticate(ex.credentials().consumer("alice"));
                return Verdict.PASS;
            }),
            factory("host-editor", Phase.TRANSFORM, (ex, label) -> {
                ex.setRequestHeader("Host", "evil.example");
                return Verdict.PASS;
            }),
            factory("cache", Phase.PROXY, (ex, label) -> Verdict.respond(200, "cached", "text/plain")),
            factory("cache2", Phase.PROXY, (ex, label) -> Verdict.respond(200, "other", "text/plain")),
            factory("veto", Phase.RESPONSE_TRANSFORM, (ex, label) -> ex.request().header("veto") == null ? Verdict.PASS
                    : Verdict.reject(403, "forbidden", "vetoed")));

    private final ChainCompiler compiler = new ChainCompiler(registry, PluginContext.system(Metrics.globalRegistry()));

    private ChainCompiler.Chains compile(String yaml) {
        GatewayConfig config = ConfigCodec.readConfig(yaml, ConfigCodec.Format.YAML).orElseThrow();
        List<ConfigError> errors = ConfigValidator.create(registry.catalog(PluginContext.system(Metrics.globalRegistry()))).validate(config);
        assertEquals(List.of(), errors);
        return compiler.compile(config);
    }

    private static String config(String routePlugins, String globalPlugins, String consumers) {
        return """
                routes: [{id: r1, paths: ["/users/{id}"], upstream: svc, plugins: %s}]
                upstreams: [{id: svc, targets: [{url: "http://127.0.0.1:9"}]}]
                global_plugins: %s
                consumers: %s
                """.formatted(routePlugins, globalPlugins, consumers);
    }

    private Verdict run(PluginChain chain, TestRequest request) {
        Exchange exchange = chain.exchange(request, TestRequest.ROUTE, Map.of(), "req-1");
        Verdict verdict = chain.onRequest(exchange);
        chain.onResponse(exchange, new TestResponse(verdict.passes() ? 200 : verdict.status()));
        return verdict;
    }

    @Test
    void stagesRunInPhaseOrderWhateverTheConfigOrderAndRespondInTheSameOrder() {
        PluginChain chain = compile(config("{logger: {}, limit: {}, auth: {}, edge: {}}", "{}",
                "[{id: alice}]")).forRoute("r1");
        assertEquals(List.of("edge", "auth", "limit", "logger"), chain.names());
        assertTrue(run(chain, TestRequest.get("/users/1").header("user", "alice")).passes());
        assertEquals(List.of("edge:request", "auth:request", "limit:request", "logger:request",
                "edge:response", "auth:response", "limit:response", "logger:response"), trace);
    }

    @Test
    void aRejectionStopsTheRequestPhaseAndOnlyStagesThatRanSeeTheResponse() {
        PluginChain chain = compile(config("{logger: {}, limit: {}, auth: {}, edge: {}}", "{}", "[]")).forRoute("r1");
        Verdict verdict = run(chain, TestRequest.get("/users/1"));
        assertEquals(401, verdict.status());
        assertEquals(List.of("edge:request", "auth:request", "edge:response", "auth:response"), trace);
    }

    @Test
    void aProxyPhaseAnswerStandsInForTheUpstreamSoLaterPhasesStillRunAroundIt() {
        PluginChain chain = compile(config("{cache: {}, cache2: {}, veto: {}, logger: {}, edge: {}}", "{}", "[]"))
                .forRoute("r1");
        Verdict verdict = run(chain, TestRequest.get("/users/1"));
        assertEquals("cached", new String(verdict.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(List.of("edge:request", "cache:request", "veto:request", "logger:request",
                "edge:response", "cache:response", "veto:response", "logger:response"), trace,
                "the second PROXY plugin is skipped: one stand-in for the upstream");
        trace.clear();
        assertEquals(403, run(chain, TestRequest.get("/users/1").header("veto", "1")).status(),
                "a later phase may still answer instead");
    }

    @Test
    void aConsumersPluginReplacesTheRoutesOfTheSameNameOnceAuthenticated() {
        PluginChain chain = compile(config("{auth: {}, limit: {tag: route}}", "{}",
                "[{id: alice, plugins: {limit: {tag: alice}, logger: {tag: alice}}}, {id: bob}]")).forRoute("r1");
        run(chain, TestRequest.get("/users/1").header("user", "alice"));
        assertEquals(List.of("auth:request", "limit/alice:request", "logger/alice:request"),
                trace.stream().filter(t -> t.endsWith(":request")).toList());
        trace.clear();
        run(chain, TestRequest.get("/users/1").header("user", "bob"));
        assertEquals(List.of("auth:request", "limit/route:request"),
                trace.stream().filter(t -> t.endsWith(":request")).toList());
    }

    @Test
    void aRoutesPluginReplacesTheGlobalOneOfTheSameName() {
        PluginChain chain = compile(config("{limit: {tag: route}}", "{limit: {tag: global}, edge: {}}", "[]"))
                .forRoute("r1");
        run(chain, TestRequest.get("/users/1"));
        assertEquals(List.of("edge:request", "limit/route:request"),
                trace.stream().filter(t -> t.endsWith(":request")).toList());
    }

    @Test
    void aRouteWithoutPluginsHasNoChainSoThePlainPathDoesNoPluginWork() {
        assertEquals(null, compile(config("{}", "{}", "[]")).forRoute("r1"));
    }

    @Test
    void contractBreachesFailClosedWith500NamingThePlugin() {
        for (String bad : List.of("nulls", "throws", "sneaky", "host-editor")) {
            PluginChain chain = compile(config("{" + bad + ": {}, logger: {}}", "{}", "[{id: alice}]")).forRoute("r1");
            trace.clear();
            Verdict verdict = run(chain, TestRequest.get("/users/1"));
            assertEquals(500, verdict.status(), bad);
            assertEquals("plugin_failed", verdict.error(), bad);
            assertEquals("plugin \"" + bad + "\" failed", verdict.message(), bad);
            assertTrue(trace.stream().noneMatch(t -> t.startsWith("logger")), bad + ": later stages must not run");
        }
    }

    @Test
    void anUnchangedPluginConfigKeepsItsInstanceAcrossSnapshotsAndAChangedOneGetsANewOne() {
        String first = config("{limit: {tag: a}, edge: {}}", "{}", "[]");
        Object limitBefore = stage(compile(first).forRoute("r1"), "limit");
        Object edgeBefore = stage(compile(first).forRoute("r1"), "edge");
        ChainCompiler.Chains changed = compile(config("{limit: {tag: b}, edge: {}}", "{}", "[]"));
        assertNotSame(limitBefore, stage(changed.forRoute("r1"), "limit"));
        assertSame(edgeBefore, stage(changed.forRoute("r1"), "edge"));
    }

    private static Object stage(PluginChain chain, String name) {
        Exchange exchange = chain.exchange(TestRequest.get("/"), TestRequest.ROUTE, Map.of(), "x");
        chain.onRequest(exchange);
        return exchange.ran.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().plugin();
    }
}
