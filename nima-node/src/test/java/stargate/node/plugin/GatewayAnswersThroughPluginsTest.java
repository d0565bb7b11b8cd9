package stargate.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * Answers the gateway makes itself after plugins ran (502, 503, 504) pass through those plugins'
 * response phase (SPEC §13): a browser sees the 502 with its CORS headers, not a CORS error.
 */
class GatewayAnswersThroughPluginsTest {
    private static final String PLUGINS = "{cors: {allow_origins: [\"https://app.example\"]},"
            + " request-id: {header: X-Correlation-Id}, rate-limit: {rate: 100, per: 1m},"
            + " response-transformer: {headers: {add: {X-Gw: sg}}}}";
    @TempDir
    Path dir;
    private Node node;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private void start(String yaml) throws Exception {
        Files.writeString(dir.resolve("stargate.yaml"), yaml);
        node = Node.start(NodeOptions.parse(List.of("--config", dir.resolve("stargate.yaml").toString(),
                "--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--admin-port", "0",
                "--access-log", "off"), Map.of()));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Origin", "https://app.example").header("X-Correlation-Id", "corr-9")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertPassedTheResponsePhase(HttpResponse<String> answer, int status, String error) {
        assertEquals(status, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"error\":\"" + error + "\""), answer.body());
        assertTrue(answer.body().contains("\"request_id\":\"corr-9\""), answer.body());
        assertEquals("https://app.example", answer.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("corr-9", answer.headers().firstValue("X-Correlation-Id").orElse(null));
        assertEquals("100", answer.headers().firstValue("RateLimit-Limit").orElse(null));
        assertEquals("sg", answer.headers().firstValue("X-Gw").orElse(null));
    }

    @Test
    void unreachableAndDrainedUpstreamsAnswerThroughThePlugins() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        start("""
                routes:
                  - {id: refused, paths: [/refused], upstream: nowhere, plugins: %s}
                  - {id: drained, paths: [/drained], upstream: drained, plugins: %s}
                upstreams:
                  - {id: nowhere, targets: [{url: "http://127.0.0.1:%d"}]}
                  - {id: drained, targets: [{url: "http://127.0.0.1:%d", weight: 0}]}
                """.formatted(PLUGINS, PLUGINS, closedPort, closedPort));
        assertPassedTheResponsePhase(get("/refused"), 502, "upstream_unreachable");
        assertPassedTheResponsePhase(get("/drained"), 503, "no_healthy_upstream");
    }

    @Test
    void aTimedOutUpstreamAnswersThroughThePlugins() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            start("""
                    routes:
                      - {id: hangs, paths: [/hangs], upstream: silent, timeouts: {read: 300ms}, plugins: %s}
                    upstreams:
                      - {id: silent, targets: [{url: "http://127.0.0.1:%d"}]}
                    """.formatted(PLUGINS, silent.getLocalPort()));
            assertPassedTheResponsePhase(get("/hangs"), 504, "upstream_timeout");
        }
    }
}
