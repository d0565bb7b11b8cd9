package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/** The admin listener: health, metrics, status and explain (SPEC §7), never on the proxy port. */
class AdminEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static WebServer backend;
    static RunningNode node;

    @BeforeAll
    static void start() throws Exception {
        backend = EchoBackend.start("echo", "127.0.0.1", 0);
        node = RunningNode.start(dir, """
                routes:
                  - {id: users, paths: ["/users/{id}"], methods: [GET], upstream: echo}
                  - {id: fallback, paths: ["/*"], upstream: echo}
                upstreams:
                  - id: echo
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backend.port()));
    }

    @AfterAll
    static void stop() {
        node.close();
        backend.stop();
    }

    @Test
    void healthIsMicroProfileJson() throws Exception {
        for (String path : new String[] {"/health/live", "/health/ready"}) {
            HttpResponse<String> response = node.adminGet(path);
            assertEquals(200, response.statusCode(), path);
            JsonNode body = JSON.readTree(response.body());
            assertEquals("UP", body.get("status").asText(), response.body());
            assertTrue(body.get("checks").isArray(), response.body());
        }
    }

    @Test
    void metricsCountServedRequestsByRouteMethodAndStatus() throws Exception {
        assertEquals(200, node.get("/users/7").statusCode());
        String metrics = node.adminGet("/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stargate_requests_total{")
                && l.contains("route=\"users\"") && l.contains("method=\"GET\"") && l.contains("status=\"200\"")), metrics);
        assertTrue(metrics.contains("stargate_request_duration_seconds_bucket{"), "histogram exported");
        assertTrue(metrics.contains("stargate_config_revision"), "revision gauge exported");
    }

    /** {@code stargate_active_requests} counts a request while it waits for its upstream, and not after. */
    @Test
    void activeRequestsCountsARequestWhileItIsServed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
             RunningNode slow = RunningNode.start(dir, """
                     routes:
                       - {id: slow, paths: ["/*"], upstream: u}
                     upstreams:
                       - id: u
                         targets: [{url: "http://127.0.0.1:%d"}]
                     """.formatted(upstream.getLocalPort()))) {
            assertEquals("0", activeRequests(slow));
            var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return slow.get("/held").statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (java.net.Socket held = upstream.accept()) {       // the request is at its upstream now
                assertEquals("1", activeRequests(slow));
                held.getOutputStream().write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertEquals(204, answer.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals("0", activeRequests(slow));
        }
    }

    private static String activeRequests(RunningNode node) throws Exception {
        return node.adminGet("/metrics").body().lines().filter(l -> l.startsWith("stargate_active_requests "))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    @Test
    void observeEndpointsAreNotOnTheProxyPort() throws Exception {
        for (String path : new String[] {"/metrics", "/health/ready", "/observe/metrics", "/observe/health"}) {
            HttpResponse<String> response = node.get(path);
            assertTrue(response.body().contains("\"backend\":\"echo\""), path + " proxied, not answered by the node: "
                    + response.body());
        }
    }

    @Test
    void statusShowsSourceRevisionAndTargets() throws Exception {
        JsonNode status = JSON.readTree(node.adminGet("/status").body());
        assertTrue(status.get("config_source").asText().startsWith("file:"), status.toString());
        assertEquals(2, status.get("routes").asInt());
        assertEquals(1, status.get("upstreams").asInt());
        assertTrue(status.get("applied_revision").asLong() >= 1);
        assertEquals("http://127.0.0.1:" + backend.port(),
                status.get("upstream_status").get(0).get("targets").get(0).get("url").asText());
    }

    @Test
    void explainNamesTheWinnerAndWhyOthersLost() throws Exception {
        JsonNode body = explain("{\"method\":\"POST\",\"url\":\"http://any.host/users/9\",\"headers\":{}}");
        assertEquals("fallback", body.get("route").asText(), body.toString());
        assertTrue(body.get("candidates").toString().contains("users"), "the near miss is listed: " + body);
    }

    @Test
    void explainMatchesTheNormalizedPathOrSaysWhyItIsRefused() throws Exception {
        JsonNode normalized = explain("{\"method\":\"GET\",\"url\":\"http://any.host/x/%2E%2e//users/9\"}");
        assertEquals("/users/9", normalized.get("path").asText(), normalized.toString());
        assertTrue(normalized.get("refused").isNull(), normalized.toString());

        JsonNode refused = explain("{\"method\":\"GET\",\"url\":\"http://any.host/users/../..\"}");
        assertTrue(refused.get("route").isNull(), refused.toString());
        assertTrue(refused.get("refused").asText().contains("climbs above /"), refused.toString());
    }

    private JsonNode explain(String request) throws Exception {
        HttpResponse<String> response = node.client.send(HttpRequest.newBuilder(node.admin("/explain"))
                .POST(HttpRequest.BodyPublishers.ofString(request)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void explainRejectsABodyThatIsNotJson() throws Exception {
        HttpResponse<String> response = node.client.send(HttpRequest.newBuilder(node.admin("/explain"))
                .POST(HttpRequest.BodyPublishers.ofString("{nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
    }
}
