package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * The whole product as a user runs it: one etcd member, a controller and two nodes as separate
 * processes, a loopback backend. Every change goes through the controller's API (SPEC §9) and is
 * checked on both nodes' proxy ports (SPEC §5, §8), and on {@code GET /api/v1/nodes}.
 */
class EndToEndTest {
    private static final String PREFIX = "/stargate";
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void changesMadeThroughTheControllerReachBothNodes(@TempDir Path dir) throws Exception {
        HttpServer backend = echoBackend();
        try (EtcdCluster etcd = EtcdCluster.startSingle();
             ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir);
             NodeProcess n1 = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir);
             NodeProcess n2 = NodeProcess.start("n2", etcd.endpoints(), PREFIX, dir)) {
            List<NodeProcess> nodes = List.of(n1, n2);
            assertWritten(201, controller.api("POST", "/upstreams", """
                    {"id": "echo", "targets": [{"url": "http://127.0.0.1:%d"}]}""".formatted(backend.getAddress().getPort())));
            assertWritten(201, controller.api("POST", "/routes", """
                    {"id": "hello", "paths": ["/hello"], "upstream": "echo"}"""));
            awaitBody(nodes, "/hello", "/hello");

            assertWritten(200, controller.api("PUT", "/routes/hello", """
                    {"id": "hello", "paths": ["/hello"], "upstream": "echo", "rewrite": {"path": "/v2/hello"}}"""));
            awaitBody(nodes, "/hello", "/v2/hello");

            Http.Answer missingUpstream = controller.api("POST", "/routes", """
                    {"id": "ghost", "paths": ["/ghost"], "upstream": "nowhere"}""");
            assertEquals(400, missingUpstream.status(), missingUpstream.body());
            assertTrue(missingUpstream.contentType().startsWith("application/problem+json"), missingUpstream.contentType());
            JsonNode problem = JSON.readTree(missingUpstream.body());
            assertEquals(400, problem.path("status").asInt(), missingUpstream.body());
            assertTrue(errorPaths(problem).contains("upstream"), "the error names the field: " + missingUpstream.body());
            assertEquals(404, controller.api("GET", "/routes/ghost", null).status(), "nothing was written");
            // A later valid change that the nodes apply proves they have seen every revision before it.
            assertWritten(201, controller.api("POST", "/routes", """
                    {"id": "marker", "paths": ["/marker"], "upstream": "echo"}"""));
            awaitBody(nodes, "/marker", "/marker");
            for (NodeProcess node : nodes) {
                assertEquals(404, node.get("/ghost"), node.id() + " never saw the refused route");
                assertEquals("/v2/hello", node.request("/hello").body(), node.id() + " still serves the last good route");
            }

            assertEquals(204, controller.api("DELETE", "/routes/hello", null).status());
            for (NodeProcess node : nodes) {
                Await.until(node.id() + " forgets /hello", CONVERGE, () -> node.get("/hello") == 404);
                Http.Answer gone = node.request("/hello");
                JsonNode error = JSON.readTree(gone.body());
                assertEquals("no_route", error.path("error").asText(), gone.body());
                assertEquals(404, error.path("status").asInt(), gone.body());
                assertTrue(gone.contentType().startsWith("application/json"), gone.contentType());
            }

            long configRevision = configRevision(controller);
            AtomicReference<Map<String, JsonNode>> lastListed = new AtomicReference<>();
            Await.until(() -> "GET /nodes lists n1 and n2 at config revision " + configRevision + " with lag 0: " + lastListed.get(), CONVERGE, () -> {
                Map<String, JsonNode> listed = listedNodes(controller);
                lastListed.set(listed);
                return listed.keySet().equals(java.util.Set.of("n1", "n2")) && listed.values().stream()
                        .allMatch(n -> n.path("applied_revision").asLong() >= configRevision && n.path("lag").isNumber() && n.path("lag").asLong() == 0);
            });
        } finally {
            backend.stop(0);
        }
    }

    /** A backend answering every request with its path, so a rewrite shows in the body. */
    private static HttpServer echoBackend() throws Exception {
        HttpServer backend = Backend.echoingPath();
        return backend;
    }

    private static void assertWritten(int status, Http.Answer answer) {
        assertEquals(status, answer.status(), answer.body());
    }

    private static List<String> errorPaths(JsonNode problem) {
        return problem.path("errors").valueStream().map(e -> e.path("path").asText()).toList();
    }

    /** The revision of the last config write: the ETag of {@code GET /config} (docs/etcd-layout.md). */
    private static long configRevision(ControllerProcess controller) {
        Http.Answer export = controller.api("GET", "/config", null);
        assertEquals(200, export.status(), export.body());
        return Long.parseLong(export.etag().replaceAll("[^0-9]", ""));
    }

    private static Map<String, JsonNode> listedNodes(ControllerProcess controller) throws Exception {
        Http.Answer answer = controller.api("GET", "/nodes", null);
        assertEquals(200, answer.status(), answer.body());
        Map<String, JsonNode> byId = new TreeMap<>();
        JSON.readTree(answer.body()).path("items").forEach(n -> byId.put(n.path("id").asText(), n));
        return byId;
    }

    private static void awaitBody(List<NodeProcess> nodes, String path, String body) throws Exception {
        for (NodeProcess node : nodes) {
            Await.until(node.id() + " answers " + path + " with " + body, CONVERGE, () -> {
                Http.Answer answer = node.request(path);
                return answer.status() == 200 && answer.body().equals(body);
            });
        }
    }
}
