package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.store.EtcdConfigReaderTest.route;
import static stargate.node.store.EtcdConfigReaderTest.upstream;
import static stargate.node.store.EtcdNodeHarness.JSON;
import static stargate.node.store.EtcdNodeHarness.eventually;
import static stargate.node.store.EtcdNodeHarness.put;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.helidon.webserver.WebServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;
import stargate.model.rollout.Rollout;
import stargate.model.rollout.RolloutPolicy;
import stargate.node.demo.EchoBackend;

/**
 * The node's side of a progressive rollout (docs/rollout.md) against a real etcd: a canary lays the
 * rollout's change over the config folders, a baseline node does not, each counts its requests on
 * its generation in its node key, and a canary restarted mid-rollout serves the change at once.
 */
class RolloutOverlayTest {
    private static final Duration CONVERGE = Duration.ofSeconds(10);
    private static final String P = "/t-rollout";
    private static EtcdServer etcd;
    private static Client client;
    private static WebServer backend;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdServer.startNew();
        client = Client.builder().endpoints(etcd.url()).build();
        backend = EchoBackend.start("echo", "127.0.0.1", 0);
        put(client, P + "/upstreams/u", upstream("u", backend.port()));
        put(client, P + "/routes/a", route("a", "/a/*", "u"));
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        etcd.close();
        backend.stop();
    }

    private static Rollout rollout(String id, Rollout.State state, String canary) {
        Object changed = ConfigCodec.readObject(Kind.ROUTE,
                "{\"id\": \"a\", \"paths\": [\"/a/*\"], \"upstream\": \"u\", \"rewrite\": {\"path\": \"/v2\"}}").orElseThrow();
        return new Rollout(id, state, RolloutPolicy.DEFAULTS, 1, List.of(canary),
                List.of(new Change(Kind.ROUTE, "a", Change.Op.CHANGED, null, changed)), Instant.now(), "test", null, null, null, null);
    }

    private static String path(EtcdNodeHarness node) throws Exception {
        return JSON.readTree(node.get("/a/x").body()).path("path").asText();
    }

    private static JsonNode nodeKey(String id) throws Exception {
        String raw = EtcdNodeHarness.get(client, P + "/nodes/" + id);
        assertNotNull(raw, id + " registered");
        return JSON.readTree(raw);
    }

    @Test
    void aCanaryServesTheChangeTheBaselineDoesNotAndEachCountsOnItsGeneration() throws Exception {
        try (EtcdNodeHarness canary = EtcdNodeHarness.start(etcd.url(), P, "canary-1", null, "--node-labels", "canary=true,zone=a");
             EtcdNodeHarness baseline = EtcdNodeHarness.start(etcd.url(), P, "base-1", null)) {
            assertEquals("/a/x", path(canary));
            eventually(CONVERGE, () -> assertEquals("a", nodeKey("canary-1").path("labels").path("zone").asText()));

            put(client, P + "/rollouts/r-000001", rollout("r-000001", Rollout.State.BAKING, "canary-1").toTree().toString());
            eventually(CONVERGE, () -> assertEquals("/v2/x", path(canary)));
            eventually(CONVERGE, () -> assertEquals("r-000001/baseline", baseline.status().path("generation").asText()));
            assertEquals("/a/x", path(baseline));
            assertEquals("r-000001/canary", canary.status().path("generation").asText());
            for (int i = 0; i < 5; i++) {
                assertEquals(200, canary.get("/a/x").statusCode());
                assertEquals(200, baseline.get("/a/x").statusCode());
                assertEquals(404, baseline.get("/nowhere").statusCode());
            }
            eventually(CONVERGE, () -> {
                JsonNode c = nodeKey("canary-1").path("generation");
                assertEquals("r-000001", c.path("rollout").asText());
                assertEquals("canary", c.path("role").asText());
                assertTrue(c.path("requests").asLong() >= 5, c.toString());
                assertEquals(0, c.path("errors_5xx").asLong());
                JsonNode b = nodeKey("base-1").path("generation");
                assertEquals("baseline", b.path("role").asText());
                assertTrue(b.path("requests").asLong() >= 10, b.toString());
            });

            put(client, P + "/rollouts/r-000001", rollout("r-000001", Rollout.State.ROLLED_BACK, "canary-1").toTree().toString());
            eventually(CONVERGE, () -> assertEquals("/a/x", path(canary)));
            eventually(CONVERGE, () -> assertEquals("base", canary.status().path("generation").asText()));
            eventually(CONVERGE, () -> assertEquals("base", baseline.status().path("generation").asText()));
        }
    }

    @Test
    void aCanaryRestartedMidRolloutServesTheChangeFromItsFirstRequest() throws Exception {
        put(client, P + "/rollouts/r-000002", rollout("r-000002", Rollout.State.BAKING, "canary-2").toTree().toString());
        try (EtcdNodeHarness canary = EtcdNodeHarness.start(etcd.url(), P, "canary-2", null)) {
            assertEquals("/v2/x", path(canary));
            assertEquals("r-000002/canary", canary.status().path("generation").asText());
        }
        put(client, P + "/rollouts/r-000002", rollout("r-000002", Rollout.State.ABORTED, "canary-2").toTree().toString());
    }
}
