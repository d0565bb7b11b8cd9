package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.Backend;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * Issue 20, progressive rollout, end to end: a real etcd, a controller and three node processes
 * (n1 labelled {@code canary=true}, n2 and n3 not) in front of a loopback backend that answers
 * each request with its path. Route {@code a} serves {@code /a/x} as is; the changes rolled out
 * rewrite it to {@code /v2} (good) or point it at an upstream nobody listens on (bad).
 */
class RolloutTest {
    private static final String PREFIX = "/stargate";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BASE_ROUTE = "{\"paths\": [\"/a/*\"], \"upstream\": \"live\"}";
    private static final String GOOD_ROUTE = "{\"paths\": [\"/a/*\"], \"upstream\": \"live\", \"rewrite\": {\"path\": \"/v2\"}}";
    private static final String DEAD_ROUTE = "{\"paths\": [\"/a/*\"], \"upstream\": \"dead\"}";
    /** Latency is not what these tests judge: a loaded box must not turn a bucket's step into a breach. */
    private static final String POLICY = "{\"bake\": \"3s\", \"min_requests\": 20, \"max_p99_increase\": \"10000%\"}";
    @TempDir
    static Path dir;
    private static EtcdCluster etcd;
    private static ControllerProcess controller;
    private static HttpServer backend;
    private static List<NodeProcess> nodes;

    @BeforeAll
    static void startCluster() throws Exception {
        etcd = EtcdCluster.startSingle();
        backend = Backend.echoingPath();
        // four JVMs start side by side: on a loaded box each takes seconds
        CompletableFuture<ControllerProcess> startingController = CompletableFuture.supplyAsync(RolloutTest::startController);
        List<CompletableFuture<NodeProcess>> startingNodes = List.of(
                CompletableFuture.supplyAsync(() -> NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir,
                        List.of("--node-labels", "canary=true"))),
                CompletableFuture.supplyAsync(() -> NodeProcess.start("n2", etcd.endpoints(), PREFIX, dir)),
                CompletableFuture.supplyAsync(() -> NodeProcess.start("n3", etcd.endpoints(), PREFIX, dir)));
        try {
            controller = startingController.join();
            nodes = startingNodes.stream().map(CompletableFuture::join).toList();
        } catch (RuntimeException e) { // stop the ones that did start
            CompletableFuture.allOf(startingNodes.toArray(CompletableFuture[]::new)).exceptionally(t -> null).join();
            startingNodes.forEach(f -> f.thenAccept(NodeProcess::close));
            startingController.exceptionally(t -> null).join();
            startingController.thenAccept(ControllerProcess::close);
            throw e;
        }
        int dead;
        try (ServerSocket closed = new ServerSocket(0)) {
            dead = closed.getLocalPort(); // free now, and nobody listens on it
        }
        ok(controller.api("POST", "/upstreams", "{\"id\": \"live\", \"targets\": [{\"url\": \"http://127.0.0.1:"
                + backend.getAddress().getPort() + "\"}]}"));
        ok(controller.api("POST", "/upstreams", "{\"id\": \"dead\", \"targets\": [{\"url\": \"http://127.0.0.1:" + dead + "\"}]}"));
        ok(controller.api("PUT", "/routes/a", BASE_ROUTE));
    }

    private static ControllerProcess startController() {
        return ControllerProcess.start(etcd.endpoints(), PREFIX, dir, List.of("--rollout-policy", POLICY));
    }

    @AfterAll
    static void stopCluster() {
        for (AutoCloseable c : new AutoCloseable[] {nodes == null ? null : nodes.get(2), nodes == null ? null : nodes.get(1),
                nodes == null ? null : nodes.get(0), controller, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort: the next one still closes
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    /** Every test starts from route a as is, served by every node, and no rollout active. */
    @BeforeEach
    void baseRouteEverywhere() throws Exception {
        ok(controller.api("PUT", "/routes/a", BASE_ROUTE));
        for (NodeProcess node : nodes) {
            Await.until(() -> node.id() + " serves /a/x: " + node.request("/a/x"), WAIT, () -> "/a/x".equals(node.request("/a/x").body()));
        }
    }

    private static Http.Answer ok(Http.Answer answer) {
        assertTrue(answer.status() / 100 == 2, answer.status() + " " + answer.body());
        return answer;
    }

    private static JsonNode json(Http.Answer answer) throws Exception {
        return JSON.readTree(answer.body());
    }

    /** Starts a rollout of route a; answers its id. */
    private static String rollout(String route, String policy) throws Exception {
        Http.Answer started = controller.api("PUT", "/routes/a?rollout=canary"
                + (policy == null ? "" : "&rollout_policy=" + URLEncoder.encode(policy, StandardCharsets.UTF_8)), route);
        assertEquals(202, started.status(), () -> started.body() + "\nnodes: " + controller.api("GET", "/nodes", null).body()
                + "\nn1: " + nodes.get(0).logTail());
        JsonNode r = json(started);
        assertEquals("[\"n1\"]", r.get("canaries").toString(), "n1 is the one node the selector matches");
        return r.get("id").asText();
    }

    private static String state(String id) throws Exception {
        return json(controller.api("GET", "/rollouts/" + id, null)).get("state").asText();
    }

    /**
     * Sends rounds of {@code perRound} requests to each node until the rollout has ended (at most
     * {@code maxRounds}); counts the 5xx answers of each node.
     */
    private static Map<String, Integer> trafficUntilDecided(String id, int perRound, int maxRounds) throws Exception {
        Map<String, Integer> failures = new LinkedHashMap<>();
        nodes.forEach(n -> failures.put(n.id(), 0));
        for (int round = 0; round < maxRounds && List.of("baking", "promoting").contains(state(id)); round++) {
            for (NodeProcess node : nodes) {
                for (int i = 0; i < perRound; i++) {
                    if (node.request("/a/x").status() >= 500) {
                        failures.merge(node.id(), 1, Integer::sum);
                    }
                }
            }
            Thread.sleep(100);
        }
        return failures;
    }

    @Test
    void aGoodChangeReachesTheCanaryFirstAndIsPromotedAfterTheBake() throws Exception {
        String id = rollout(GOOD_ROUTE, null);
        NodeProcess canary = nodes.get(0);
        Await.until("n1 serves the change", WAIT, () -> "/v2/x".equals(canary.request("/a/x").body()));
        assertEquals("/a/x", nodes.get(1).request("/a/x").body(), "a baseline node keeps the config");
        assertEquals("/a/x", json(controller.api("GET", "/routes/a", null)).path("rewrite").path("path").asText("/a/x"));

        Map<String, Integer> failures = trafficUntilDecided(id, 10, 300);
        JsonNode r = json(controller.api("GET", "/rollouts/" + id, null));
        assertEquals("promoted", r.get("state").asText(), r.toString());
        assertEquals(Map.of("n1", 0, "n2", 0, "n3", 0), failures);
        assertTrue(r.get("verdict").get("canary").get("requests").asLong() >= 20, r.toString());
        assertEquals(2, r.get("verdict").get("baseline").get("nodes").asInt(), r.toString());
        for (NodeProcess node : nodes) {
            Await.until(node.id() + " serves the promoted change", WAIT, () -> "/v2/x".equals(node.request("/a/x").body()));
        }
        JsonNode audit = json(controller.api("GET", "/audit?limit=1", null)).get("items");
        assertEquals("rollout_promoted", audit.get(0).path("event").asText(), audit.toString());
        assertEquals("rollout", audit.get(1).get("source").asText(), "the promotion's write: " + audit);
    }

    @Test
    void aChangeToADeadUpstreamIsRolledBackHavingFailedOnlyCanaryRequests() throws Exception {
        String id = rollout(DEAD_ROUTE, null);
        NodeProcess canary = nodes.get(0);
        Await.until("n1 serves the change", WAIT, () -> canary.request("/a/x").status() >= 500);

        Map<String, Integer> failures = trafficUntilDecided(id, 10, 300);
        JsonNode r = json(controller.api("GET", "/rollouts/" + id, null));
        assertEquals("rolled_back", r.get("state").asText(), r.toString());
        assertTrue(r.get("reason").asText().startsWith("canary 5xx rate 100.00%"), r.toString());
        System.out.println("rolled back: " + r.get("reason").asText() + "; 5xx answers per node: " + failures);
        assertTrue(failures.get("n1") > 0, failures.toString());
        assertEquals(0, failures.get("n2"), "a baseline node failed: " + failures);
        assertEquals(0, failures.get("n3"), "a baseline node failed: " + failures);
        Await.until("n1 serves the config again", WAIT, () -> "/a/x".equals(canary.request("/a/x").body()));
        assertEquals("live", json(controller.api("GET", "/routes/a", null)).get("upstream").asText(),
                "the config never had the change");
    }

    @Test
    void anAbortAndAHandPromotionWorkBeforeTheBakeEnds() throws Exception {
        String hour = "{\"bake\": \"1h\"}";
        String aborted = rollout(GOOD_ROUTE, hour);
        NodeProcess canary = nodes.get(0);
        Await.until("n1 serves the change", WAIT, () -> "/v2/x".equals(canary.request("/a/x").body()));
        assertEquals("aborted", json(ok(controller.api("POST", "/rollouts/" + aborted + "/abort", ""))).get("state").asText());
        Await.until("n1 drops the change", WAIT, () -> "/a/x".equals(canary.request("/a/x").body()));

        String promoted = rollout(GOOD_ROUTE, hour);
        Await.until("n1 serves the change", WAIT, () -> "/v2/x".equals(canary.request("/a/x").body()));
        assertEquals("promoted", json(ok(controller.api("POST", "/rollouts/" + promoted + "/promote", ""))).get("state").asText());
        for (NodeProcess node : nodes) {
            Await.until(node.id() + " serves the promoted change", WAIT, () -> "/v2/x".equals(node.request("/a/x").body()));
        }
    }

    @Test
    void aControllerRestartedMidRolloutFinishesTheBake() throws Exception {
        String id = rollout(GOOD_ROUTE, "{\"bake\": \"5s\"}");
        NodeProcess canary = nodes.get(0);
        Await.until("n1 serves the change", WAIT, () -> "/v2/x".equals(canary.request("/a/x").body()));
        controller.close();
        controller = startController();
        assertEquals("baking", state(id), "the rollout outlived its controller");
        trafficUntilDecided(id, 10, 300);
        assertEquals("promoted", state(id), controller.logTail());
        for (NodeProcess node : nodes) {
            Await.until(node.id() + " serves the promoted change", WAIT, () -> "/v2/x".equals(node.request("/a/x").body()));
        }
    }
}
