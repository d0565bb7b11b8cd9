package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * A request that names two hosts must not be routed by one and told upstream as the other: one host would
 * pick the route (and its plugins: authentication) while the other reaches the upstream or its logs. Two
 * routes by host, to two upstreams; each request names one host in one place and the other elsewhere. Both
 * are refused as they stand (Helidon's behaviour; this test keeps it so).
 */
class HostDisagreementTest {
    @TempDir
    static Path dir;
    private static FakeUpstream alpha;
    private static FakeUpstream beta;
    private static Node node;

    @BeforeAll
    static void start() throws Exception {
        alpha = FakeUpstream.http(FakeUpstream.ok("alpha"));
        beta = FakeUpstream.http(FakeUpstream.ok("beta"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: a, hosts: [alpha.test, 127.0.0.1], paths: ["/*"], upstream: a}
                  - {id: b, hosts: [beta.test], paths: ["/*"], upstream: b}
                upstreams:
                  - id: a
                    targets: [{url: "%s"}]
                  - id: b
                    targets: [{url: "%s"}]
                """.formatted(alpha.url(), beta.url()));
        node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off"), Map.of()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        alpha.close();
        beta.close();
    }

    @Test
    void onHttp2AHostThatDiffersFromTheAuthorityIsAProtocolErrorAndTheSameOneIsServed() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            // :authority 127.0.0.1 (alpha's route), then a Host naming beta (RFC 9113 8.3.1: malformed)
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/two-hosts", H2Frames.literal("host", "beta.test", false))));
            H2Frames.Frame goAway = h2.goAway();
            assertTrue(goAway != null && goAway.errorCode() == H2Frames.PROTOCOL_ERROR, "refused: " + goAway);
        }
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty(), "nothing went upstream");
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/same-host", H2Frames.literal("host", "127.0.0.1", false))));
            assertEquals("alpha", h2.body(1));
        }
        FakeUpstream.Request seen = alpha.requests.poll(10, TimeUnit.SECONDS);
        assertEquals("127.0.0.1", seen.header("X-Forwarded-Host"));
        assertTrue(beta.requests.isEmpty());
    }

    @Test
    void onHttp1AnAbsoluteFormTargetIsNoRouteWhateverItsHost() throws Exception {
        // RFC 9112 3.2.2 makes the target's authority the host; Helidon keeps the whole target as the path, so no
        // route matches it: refused, rather than routed by the Host and read by the upstream as the other host
        String answer = http1("GET http://alpha.test/absolute HTTP/1.1\r\nHost: beta.test\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 404 ") && answer.contains("\"error\":\"no_route\""), answer);
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty());
    }

    private static String http1(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
