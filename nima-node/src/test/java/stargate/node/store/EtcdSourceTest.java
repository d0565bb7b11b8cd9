package stargate.node.store;

import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;
import static stargate.node.store.EtcdConfigReaderTest.route;
import static stargate.node.store.EtcdConfigReaderTest.upstream;
import static stargate.node.store.EtcdNodeHarness.JSON;
import static stargate.node.store.EtcdNodeHarness.delete;
import static stargate.node.store.EtcdNodeHarness.eventually;
import static stargate.node.store.EtcdNodeHarness.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.helidon.webserver.WebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.Kind;
import stargate.model.validate.ConfigValidator;
import stargate.node.config.ConfigApplier;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.Snapshot;
import stargate.node.config.SnapshotCompiler;
import stargate.node.demo.EchoBackend;
import stargate.node.observe.Metrics;

/**
 * Distributed mode against a real etcd and real nodes: each test has a prefix of its own, so they
 * share one etcd member (restarted by the tests that stop it).
 */
class EtcdSourceTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);
    private static EtcdServer etcd;
    private static Client client;
    private static WebServer backend;

    @BeforeAll
    static void startEtcdAndBackend() throws Exception {
        etcd = EtcdServer.startNew();
        client = Client.builder().endpoints(etcd.url()).build();
        backend = EchoBackend.start("echo", "127.0.0.1", 0);
    }

    @AfterAll
    static void stopAll() throws Exception {
        client.close();
        etcd.close();
        backend.stop();
    }

    private static String echoPath(String body) throws Exception {
        return JSON.readTree(body).path("path").asText();
    }

    @Test
    void fromAnEmptyPrefixTheNodeServesAddedUpdatedAndDeletedRoutes() throws Exception {
        String p = "/t-crud";
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "crud", null)) {
            assertEquals(404, node.get("/a/x").statusCode());
            assertTrue(node.status().path("ready").asBoolean(), "an empty prefix is a valid, empty config");

            put(client, p + "/upstreams/u", upstream("u", backend.port()));
            long added = put(client, p + "/routes/a", route("a", "/a/*", "u"));
            eventually(CONVERGE, () -> assertEquals(200, node.get("/a/x").statusCode()));
            eventually(CONVERGE, () -> assertTrue(node.status().path("applied_revision").asLong() >= added));

            put(client, p + "/routes/a", EtcdConfigReaderTest.value(
                    "{\"id\": \"a\", \"paths\": [\"/a/*\"], \"upstream\": \"u\", \"rewrite\": {\"path\": \"/v2\"}}"));
            eventually(CONVERGE, () -> assertEquals("/v2/x", echoPath(node.get("/a/x").body())));

            delete(client, p + "/routes/a");
            eventually(CONVERGE, () -> assertEquals(404, node.get("/a/x").statusCode()));
            assertEquals("etcd", node.status().path("source").asText());
        }
    }

    @Test
    void anInvalidObjectIsRejectedWhileTheRestAppliesAndStatusAndTheNodeKeyReportIt() throws Exception {
        String p = "/t-reject";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/good", route("good", "/good", "u"));
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "rejecting", null)) {
            long bad = put(client, p + "/routes/bad", route("bad", "/bad", "missing"));
            put(client, p + "/routes/also-good", route("also-good", "/also", "u"));

            eventually(CONVERGE, () -> assertEquals(200, node.get("/also").statusCode()));
            assertEquals(200, node.get("/good").statusCode());
            assertEquals(404, node.get("/bad").statusCode());
            JsonNode rejected = node.status().path("rejected");
            assertEquals(1, rejected.size(), rejected.toString());
            assertEquals("routes", rejected.get(0).path("kind").asText());
            assertEquals("bad", rejected.get(0).path("id").asText());
            assertEquals(bad, rejected.get(0).path("revision").asLong());
            assertEquals("upstream: unknown upstream \"missing\"", rejected.get(0).path("errors").get(0).asText());
            eventually(CONVERGE, () -> {
                String raw = EtcdNodeHarness.get(client, p + "/nodes/rejecting");
                assertNotNull(raw, "the node registered");
                JsonNode key = JSON.readTree(raw);
                assertTrue(key.path("last_error").asText().startsWith("routes/bad at revision " + bad), key.toString());
            });

            put(client, p + "/upstreams/missing", upstream("missing", backend.port()));
            eventually(CONVERGE, () -> assertEquals(200, node.get("/bad").statusCode()));
            // the status is refreshed right after the swap that made /bad servable
            eventually(CONVERGE, () -> assertEquals(0, node.status().path("rejected").size()));
        }
    }

    @Test
    void afterCompactionTheNodeReadsThePrefixAgainAndAppliesOnlyWhatChanged() throws Exception {
        String p = "/t-compact";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/a", route("a", "/v1", "u"));
        Metrics metrics = new Metrics(io.helidon.metrics.api.Metrics.globalRegistry());
        CurrentSnapshot current = new CurrentSnapshot();
        ConfigValidator validator = ConfigValidator.create();
        ConfigApplier applier = new ConfigApplier(current, new SnapshotCompiler(metrics,
                new ChainCompiler(PluginRegistry.load(null), PluginContext.system(io.helidon.metrics.api.Metrics.globalRegistry()))),
                metrics, validator);
        List<Snapshot> applied = new CopyOnWriteArrayList<>();
        applier.onApplied(applied::add);
        try (EtcdSource source = EtcdSource.create(etcd.url(), p, null, applier, current, metrics, validator,
                "compacting", java.util.Map.of())) {
            source.load();
            // history the watch would start from is compacted away before the watch starts: a change
            // in two folders (a new upstream and the route moved to it) among log writes
            put(client, p + "/upstreams/v", upstream("v", backend.port()));
            put(client, p + "/routes/a", route("a", "/v2", "v"));
            put(client, p + "/audit/00000000000000000001", "{}");
            put(client, p + "/last_change", "{\"summary\": \"~1 route\"}");
            long latest = put(client, p + "/last_change", "{\"summary\": \"nothing\"}");
            client.getKVClient().compact(latest).get(5, TimeUnit.SECONDS);

            source.start(() -> "127.0.0.1:1", "test");

            eventually(CONVERGE, () -> assertEquals(List.of("/v2"), current.get().config().routes().getFirst().paths()));
            assertEquals("v", current.get().config().routes().getFirst().upstream());
            // listeners run right after the swap that published /v2
            eventually(CONVERGE, () -> assertEquals(2, applied.size(), "the first read, then one apply of the re-read"));
            assertTrue(current.get().revision() >= latest, "applied at the re-read's revision: " + current.get().revision());
        }
    }

    @Test
    void withEtcdDownTheNodeKeepsServingAndConvergesWhenEtcdIsBack() throws Exception {
        String p = "/t-outage";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/a", route("a", "/a", "u"));
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "outage", null)) {
            eventually(CONVERGE, () -> assertNotNull(EtcdNodeHarness.get(client, p + "/nodes/outage")));
            // its own condition: the registration key can be written before the gauge is set
            eventually(CONVERGE, () -> assertEquals(1, node.metric("stargate_etcd_connected")));
            etcd.stop();
            try {
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, node.get("/a").statusCode());
                    Thread.sleep(25);
                }
                eventually(Duration.ofSeconds(NodeRegistration.TTL_SECONDS + 5),
                        () -> assertTrue(!node.status().path("etcd_connected").asBoolean()));
                assertEquals(0, node.metric("stargate_etcd_connected"));
                assertEquals(200, node.get("/a").statusCode());
            } finally {
                etcd.start();
            }
            put(client, p + "/routes/b", route("b", "/b", "u"));
            eventually(CONVERGE, () -> assertEquals(200, node.get("/b").statusCode()));
            eventually(CONVERGE, () -> assertTrue(node.status().path("etcd_connected").asBoolean()));
            assertEquals(1, node.metric("stargate_etcd_connected"));
        }
    }

    @Test
    void aNodeRestartedWhileEtcdIsDownServesItsCacheThenSwitchesToEtcd(@TempDir Path cache) throws Exception {
        String p = "/t-cache";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/a", route("a", "/a", "u"));
        try (EtcdNodeHarness first = EtcdNodeHarness.start(etcd.url(), p, "cached", cache)) {
            assertEquals(200, first.get("/a").statusCode());
        }
        etcd.stop();
        try (EtcdNodeHarness second = startWhileEtcdIsDown(p, cache)) {
            assertEquals(200, second.get("/a").statusCode());
            JsonNode status = second.status();
            assertEquals("cache", status.path("source").asText());
            assertTrue(status.path("config_source").asText().startsWith("cache:"), status.toString());
            assertTrue(status.path("ready").asBoolean());

            etcd.start();
            eventually(CONVERGE, () -> assertEquals("etcd", second.status().path("source").asText()));
            put(client, p + "/routes/b", route("b", "/b", "u"));
            eventually(CONVERGE, () -> assertEquals(200, second.get("/b").statusCode()));
        }
    }

    private static EtcdNodeHarness startWhileEtcdIsDown(String prefix, Path cache) {
        try {
            return EtcdNodeHarness.start(etcd.url(), prefix, "cached", cache);
        } catch (RuntimeException e) {
            etcd.start();
            throw e;
        }
    }

    @Test
    void theNodeKeyCarriesTheAppliedRevisionAndGoesWhenTheNodeStops() throws Exception {
        String p = "/t-lease";
        String key = p + "/nodes/leased";
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "leased", null)) {
            put(client, p + "/upstreams/u", upstream("u", backend.port()));
            long revision = put(client, p + "/routes/a", route("a", "/a", "u"));
            eventually(CONVERGE, () -> {
                String raw = EtcdNodeHarness.get(client, key);
                assertNotNull(raw, "the node registered");
                JsonNode value = JSON.readTree(raw);
                // at least the route's revision: a batch may also carry later keys the node ignores
                assertTrue(value.path("applied_revision").asLong() >= revision, value.toString());
                assertEquals("127.0.0.1:" + node.node.port(), value.path("address").asText());
                assertTrue(value.path("last_error").isNull());
                assertTrue(value.path("started_at").asText().contains("T"));
            });
            long lease = client.getKVClient().get(EtcdNodeHarness.bytes(key)).get(5, TimeUnit.SECONDS)
                    .getKvs().getFirst().getLease();
            assertTrue(lease != 0, "the key is bound to a lease");
        }
        assertNull(EtcdNodeHarness.get(client, key), "a clean stop revokes the lease: the key goes at once");
    }

    @Test
    void aWholeReadIsPagedAndEveryPageIsReadAtTheSameRevisionWhileWritesGoOn() throws Exception {
        String p = "/t-paged";
        int routes = EtcdSource.PAGE_KEYS * 2 + 500;
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        for (int from = 0; from < routes; from += 100) {
            List<io.etcd.jetcd.op.Op> puts = new java.util.ArrayList<>();
            for (int i = from; i < Math.min(routes, from + 100); i++) {
                puts.add(io.etcd.jetcd.op.Op.put(EtcdNodeHarness.bytes(p + "/routes/r" + i),
                        EtcdNodeHarness.bytes(route("r" + i, "/r" + i, "u")), io.etcd.jetcd.options.PutOption.DEFAULT));
            }
            client.getKVClient().txn().Then(puts.toArray(io.etcd.jetcd.op.Op[]::new)).commit().get(10, TimeUnit.SECONDS);
        }
        List<String> reads = new CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(EtcdSource.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getMessage().startsWith("event=etcd_config_read ")) {
                    reads.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        // routes keep arriving while the node reads its pages: none written after the read's revision may show
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 2_000 && writing.get(); i++) {
                try {
                    put(client, p + "/routes/w" + i, route("w" + i, "/w" + i, "u"));
                } catch (Exception e) {
                    return;
                }
            }
        });
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "paged", null)) {
            writing.set(false);
            writer.join(Duration.ofSeconds(10));
            assertEquals(200, node.get("/r0").statusCode());
            assertEquals(200, node.get("/r" + (routes - 1)).statusCode());
            java.util.regex.Matcher read = java.util.regex.Pattern.compile("revision=(\\d+) keys=(\\d+) pages=(\\d+)")
                    .matcher(reads.getFirst());
            assertTrue(read.find(), reads.getFirst());
            long revision = Long.parseLong(read.group(1));
            assertTrue(Integer.parseInt(read.group(3)) >= 3 + Kind.values().length - 1, "routes in 3 pages: " + read.group());
            long atRevision = client.getKVClient().get(EtcdNodeHarness.bytes(p + "/routes/"), io.etcd.jetcd.options.GetOption
                    .builder().isPrefix(true).withCountOnly(true).withRevision(revision).build()).get(10, TimeUnit.SECONDS).getCount();
            assertEquals(atRevision + 1, Long.parseLong(read.group(2)), "the routes at the read's revision, and the upstream");
        } finally {
            writing.set(false);
            log.removeHandler(handler);
        }
    }
}
