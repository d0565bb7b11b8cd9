package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.store.EtcdConfigReaderTest.route;
import static stargate.node.store.EtcdConfigReaderTest.upstream;
import static stargate.node.store.EtcdNodeHarness.bytes;
import static stargate.node.store.EtcdNodeHarness.delete;
import static stargate.node.store.EtcdNodeHarness.eventually;
import static stargate.node.store.EtcdNodeHarness.put;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.helidon.webserver.WebServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import stargate.node.demo.EchoBackend;

/**
 * A node watches only the config folders and {@code applying} (issue 24): the controller's audit and
 * history writes, other nodes' keys and stagings never reach it, and what it does watch still
 * applies in whole transactions, in order, held while a staged apply runs. Real etcd, real node.
 */
class NarrowWatchTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final String EVENTS = "stargate_config_watch_events_total";
    private static final String BYTES = "stargate_config_watch_bytes_total";
    private static final String LATE = "stargate_config_watch_late_events_total";
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

    @Test
    void aBurstOfAuditAndHistoryWritesReachesNoNodeWhileARouteChangedDuringItApplies() throws Exception {
        String p = "/t-burst";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/a", route("a", "/before", "u"));
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "burst", null)) {
            eventually(CONVERGE, () -> assertEquals(200, node.get("/before").statusCode()));
            double events = node.metric(EVENTS);
            double bytes = node.metric(BYTES);
            int burst = 5_000;
            String audit = "{\"by\": \"admin\", \"at\": \"2026-12-07T10:00:00Z\", \"source\": \"api\", \"summary\": "
                    + "\"~1 route\", \"changes\": [{\"op\": \"update\", \"kind\": \"routes\", \"id\": \"a\", \"paths\": "
                    + "[\"paths\", \"plugins.rate-limit.rate\"]}]}";
            String history = "{\"by\": \"admin\", \"delta\": [{\"op\": \"update\", \"kind\": \"routes\", \"id\": \"a\", "
                    + "\"before\": " + route("a", "/x", "u") + ", \"after\": " + route("a", "/y", "u") + "}], \"pad\": \""
                    + "x".repeat(1_500) + "\"}";
            Semaphore inFlight = new Semaphore(64);
            List<CompletableFuture<?>> writes = new ArrayList<>();
            long changed = 0;
            for (int n = 1; n <= burst; n++) {
                if (n == burst / 2) {
                    changed = put(client, p + "/routes/a", route("a", "/during", "u"));
                }
                String key = String.format("%s/%s/%020d", p, n % 2 == 0 ? "audit" : "history", n);
                inFlight.acquire();
                writes.add(client.getKVClient().put(bytes(key), bytes(n % 2 == 0 ? audit : history))
                        .whenComplete((r, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long routeRevision = changed;
            eventually(CONVERGE, () -> assertEquals(200, node.get("/during").statusCode()));
            eventually(CONVERGE, () -> assertTrue(node.status().path("applied_revision").asLong() >= routeRevision));
            Thread.sleep(500); // anything still on its way from etcd would arrive meanwhile
            double received = node.metric(EVENTS) - events;
            double receivedBytes = node.metric(BYTES) - bytes;
            System.out.println("event=watch_burst writes=" + burst + " node_received_events=" + (long) received
                    + " node_received_bytes=" + (long) receivedBytes);
            assertEquals(1, received, "the node received the route change and none of the " + burst + " log writes");
            assertEquals(0, node.metric(LATE));
        }
    }

    @Test
    void aTransactionMovingARouteToANewUpstreamAndDeletingTheOldOneAppliesWhole() throws Exception {
        // split in two applies, either half is refused (a route naming a missing upstream, or the
        // deletion of an upstream a route still names): no refusal at all means whole transactions
        String p = "/t-atomic";
        put(client, p + "/upstreams/u0", upstream("u0", backend.port()));
        put(client, p + "/routes/m", route("m", "/m", "u0"));
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "atomic", null)) {
            eventually(CONVERGE, () -> assertEquals(200, node.get("/m").statusCode()));
            // counted from here: the watches are up once a change made now has applied
            long warm = put(client, p + "/upstreams/warm", upstream("warm", backend.port()));
            eventually(CONVERGE, () -> assertTrue(node.status().path("applied_revision").asLong() >= warm));
            double events = node.metric(EVENTS);
            double rejectedBefore = rejectedApplies(node); // the registry is the JVM's: other tests count there too
            int rounds = 100;
            long last = 0;
            for (int i = 1; i <= rounds; i++) {
                last = client.getKVClient().txn().Then(
                        Op.put(bytes(p + "/upstreams/u" + i), bytes(upstream("u" + i, backend.port())), PutOption.DEFAULT),
                        Op.put(bytes(p + "/routes/m"), bytes(route("m", "/m", "u" + i)), PutOption.DEFAULT),
                        Op.delete(bytes(p + "/upstreams/u" + (i - 1)), DeleteOption.DEFAULT))
                        .commit().get(5, TimeUnit.SECONDS).getHeader().getRevision();
                if (i % 10 == 0) {
                    Thread.sleep(20); // some rounds land in separate watch responses, some together
                }
            }
            long end = last;
            eventually(CONVERGE, () -> assertTrue(node.status().path("applied_revision").asLong() >= end));
            assertEquals(200, node.get("/m").statusCode());
            assertEquals(0, node.status().path("rejected").size(), node.status().toString());
            assertEquals(rejectedBefore, rejectedApplies(node), "no half of a transaction was ever applied alone");
            assertEquals(3 * rounds, node.metric(EVENTS) - events, "three events a round");
            assertEquals(0, node.metric(LATE));
        }
    }

    @Test
    void aStagedApplyIsHeldUntilApplyingIsDeleted() throws Exception {
        String p = "/t-held";
        put(client, p + "/upstreams/u", upstream("u", backend.port()));
        put(client, p + "/routes/a", route("a", "/a", "u"));
        try (EtcdNodeHarness node = EtcdNodeHarness.start(etcd.url(), p, "held", null)) {
            eventually(CONVERGE, () -> assertEquals(200, node.get("/a").statusCode()));
            double rejectedBefore = rejectedApplies(node);
            put(client, p + "/applying", "{\"txid\": \"00000000000000000001-0badcafe\"}");
            put(client, p + "/routes/b", route("b", "/b", "u"));
            long deleted = delete(client, p + "/routes/a");
            put(client, p + "/staging/00000000000000000001-0badcafe/000000", "[]");
            Thread.sleep(1_000); // the node would have applied by now were it not holding
            assertEquals(404, node.get("/b").statusCode(), "held while applying exists");
            assertEquals(200, node.get("/a").statusCode(), "held while applying exists");
            assertTrue(node.status().path("applied_revision").asLong() < deleted);

            delete(client, p + "/applying");
            eventually(CONVERGE, () -> assertEquals(200, node.get("/b").statusCode()));
            assertEquals(404, node.get("/a").statusCode(), "the held changes apply together");
            assertEquals(rejectedBefore, rejectedApplies(node));
        }
    }

    /** {@code stargate_config_applies_total{result="rejected"}}, 0 when absent. */
    private static double rejectedApplies(EtcdNodeHarness node) throws Exception {
        String metrics = node.metrics();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("stargate_config_applies_total{") && line.contains("result=\"rejected\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
