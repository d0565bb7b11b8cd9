package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.Node;
import stargate.node.NodeOptions;
import stargate.node.TestCertificates;

/**
 * {@code Upgrade: h2c} as an attacker writes it (docs/http2.md): an HTTP/1.1 request that switches its
 * connection to HTTP/2, its first request becoming stream 1. Tried: frames pipelined behind the upgrade
 * request (they must meet the same frame watch as a connection that starts with the preface), an upgrade
 * request with a body that holds HTTP/2 frames (request smuggling: routed as one POST, served as other
 * requests), an upgrade to a route behind key-auth (every stream authenticated), and malformed
 * {@code HTTP2-Settings}. A well-behaved client is served after each.
 */
class H2cUpgradeTest {
    private static final String SETTINGS = "AAMAAABkAAQAoAAAAAIAAAAA";     // curl's: 100 streams, 10 MiB window, no push
    @TempDir
    static Path dir;
    private static FakeUpstream upstream;
    private static Node node;
    private static TestCertificates cert;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.http(FakeUpstream.ok("ok"));
        cert = TestCertificates.generate(dir, "node", "RSA", "node.test.invalid");
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: open, paths: ["/*"], upstream: up}
                  - {id: secret, paths: ["/secret/*"], upstream: up, plugins: {key-auth: {}}}
                upstreams:
                  - id: up
                    targets: [{url: "%s"}]
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                certificates:
                  - {id: c, snis: [node.test.invalid], cert_file: %s, key_file: %s}
                """.formatted(upstream.url(), cert.certFile(), cert.keyFile()));
        node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--client-header-timeout", "1s", "--client-body-timeout", "1s", "--drain-timeout", "2s"), Map.of()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void framesPipelinedBehindTheUpgradeMeetTheContinuationBound() throws Exception {
        ByteArrayOutputStream attack = new ByteArrayOutputStream();
        attack.writeBytes(upgrade("GET", "/pipelined", ""));
        attack.writeBytes(H2Frames.PREFACE);
        attack.writeBytes(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
        attack.writeBytes(H2Frames.frame(H2Frames.HEADERS, 0, 3, H2Frames.get("/flood")));
        for (int i = 0; i < 20_000; i++) {      // 180 KB of frames that each cost Helidon a list entry
            attack.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, 0, 3, new byte[0]));
        }
        try (H2Frames h2 = new H2Frames(node.port(), new byte[0]).noSettingsAck()) {
            sendIgnoringClose(h2, attack.toByteArray());
            assertTrue(h2.head().startsWith("HTTP/1.1 101"), "upgraded");
            H2Frames.Frame goAway = h2.goAway();
            assertNotNull(goAway, "the connection survived 20,000 empty CONTINUATION frames behind an h2c upgrade");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        assertTrue(upstream.requests.stream().noneMatch(r -> r.target().contains("flood")));
        assertServed();
    }

    @Test
    void aPipelinedHeaderBlockThatNeverEndsIsCutAfterTheHeadDeadline() throws Exception {
        ByteArrayOutputStream attack = new ByteArrayOutputStream();
        attack.writeBytes(upgrade("GET", "/pipelined", ""));
        attack.writeBytes(H2Frames.PREFACE);
        attack.writeBytes(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
        attack.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_STREAM, 3, H2Frames.get("/never-ends")));
        try (H2Frames h2 = new H2Frames(node.port(), new byte[0]).noSettingsAck()) {
            long start = System.nanoTime();
            h2.send(attack.toByteArray());
            assertTrue(h2.head().startsWith("HTTP/1.1 101"), "upgraded");
            H2Frames.Frame goAway = h2.goAway();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertNotNull(goAway, "the node kept a connection whose header block never ended");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
            assertTrue(tookMs < 10_000, "cut after the 1 s head deadline, took " + tookMs + " ms");
        }
        assertTrue(upstream.requests.stream().noneMatch(r -> r.target().contains("never-ends")));
        assertServed();
    }

    /**
     * h2c smuggling: a proxy in front that reads this as one POST with a body must not see the node serve
     * the body as HTTP/2 requests. Helidon ignores an upgrade on a request with a body (RFC 9113 leaves that
     * to the server): the body goes upstream as a body, and nothing in it is served.
     */
    @Test
    void anUpgradeRequestWithABodyIsServedAsHttp11AndItsBodyIsNeverReadAsFrames() throws Exception {
        ByteArrayOutputStream smuggled = new ByteArrayOutputStream();
        smuggled.writeBytes(H2Frames.PREFACE);
        smuggled.writeBytes(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
        smuggled.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                H2Frames.get("/secret/smuggled")));
        byte[] body = smuggled.toByteArray();
        for (String framing : List.of("Content-Length: " + body.length + "\r\n", "Transfer-Encoding: chunked\r\n")) {
            upstream.requests.clear();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(upgrade("POST", "/carrier", framing));
            if (framing.startsWith("Transfer")) {
                request.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.writeBytes(body);
                request.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                request.writeBytes(body);
            }
            try (H2Frames h2 = new H2Frames(node.port(), request.toByteArray())) {
                String head = h2.head();
                assertTrue(head.startsWith("HTTP/1.1 200"), framing + ": " + head);
            }
            FakeUpstream.Request carried = upstream.requests.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(carried);
            assertEquals("/carrier", carried.target());
            assertTrue(Arrays.equals(body, carried.body()), framing + ": the body went upstream as it was sent");
            assertTrue(carried.headers().stream().noneMatch(h -> h[0].equalsIgnoreCase("upgrade")
                    || h[0].equalsIgnoreCase("http2-settings")), "hop-by-hop upgrade fields are not forwarded");
            Thread.sleep(200);
            assertTrue(upstream.requests.isEmpty(), "nothing else reached the upstream: " + upstream.requests);
        }
    }

    /** Stream 1 (the upgrade request itself) and the streams after it go through the route's plugins alike. */
    @Test
    void everyStreamOfAnUpgradedConnectionIsAuthenticated() throws Exception {
        upstream.requests.clear();
        try (H2Frames h2 = new H2Frames(node.port(), upgrade("GET", "/secret/one", ""))) {
            assertTrue(h2.head().startsWith("HTTP/1.1 101"));
            h2.send(H2Frames.PREFACE);
            h2.send(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
            assertTrue(h2.body(1).contains("\"error\":\"unauthorized\""), "the upgrade request itself was authenticated");
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 3,
                    H2Frames.get("/secret/two")));
            assertTrue(h2.body(3).contains("\"error\":\"unauthorized\""));
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 5,
                    H2Frames.get("/secret/three", H2Frames.literal("apikey", "alice-key-123", false))));
            assertEquals("ok", h2.body(5), "a stream with the key is served");
        }
        List<String> served = upstream.requests.stream().map(FakeUpstream.Request::target).toList();
        assertEquals(List.of("/secret/three"), served);
    }

    /** RFC 9113 §3.2: no upgrade without exactly one well-formed {@code HTTP2-Settings}; the request is served as HTTP/1.1. */
    @Test
    void anUpgradeWithoutUsableSettingsIsServedAsHttp11() throws Exception {
        for (String settings : List.of("", "HTTP2-Settings: %%%not-base64%%%\r\n", "HTTP2-Settings: AAM\r\n",
                "HTTP2-Settings: " + SETTINGS + "\r\nHTTP2-Settings: " + SETTINGS + "\r\n",
                "HTTP2-Settings: AASAAAAA\r\n",        // SETTINGS_INITIAL_WINDOW_SIZE 2^31: over the largest window
                "HTTP2-Settings: AAUAAAAA\r\n",        // SETTINGS_MAX_FRAME_SIZE 0
                "HTTP2-Settings: AAIAAAAC\r\n")) {     // SETTINGS_ENABLE_PUSH 2
            upstream.requests.clear();
            String request = "GET /bad-settings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\n" + settings + "\r\n";
            try (H2Frames h2 = new H2Frames(node.port(), request.getBytes(StandardCharsets.US_ASCII))) {
                String head = h2.head();
                assertTrue(head.startsWith("HTTP/1.1 200"), "[" + settings.trim() + "] " + head);
            }
            FakeUpstream.Request carried = upstream.requests.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(carried);
            assertTrue(carried.headers().stream().noneMatch(h -> h[0].equalsIgnoreCase("upgrade")
                    || h[0].equalsIgnoreCase("http2-settings")), "hop-by-hop upgrade fields are not forwarded");
        }
        assertServed();
    }

    /** Over TLS, HTTP/2 is chosen by ALPN only (RFC 9113 §3.2): an h2c upgrade on the https listener is served as HTTP/1.1. */
    @Test
    void anH2cUpgradeOverTlsIsServedAsHttp11() throws Exception {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestCertificates.trusting(cert).getSocketFactory()
                .createSocket("127.0.0.1", node.httpsPort())) {
            javax.net.ssl.SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new javax.net.ssl.SNIHostName("node.test.invalid")));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(params);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(upgrade("GET", "/over-tls", ""));
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200", answer);
        }
    }

    private static byte[] upgrade(String method, String path, String framing) {
        return (method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: " + SETTINGS + "\r\n" + framing + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The node keeps serving: an h2c upgrade by the JDK client gets its answer. */
    private static void assertServed() throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/fine"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("ok", response.body());
    }

    private static void sendIgnoringClose(H2Frames h2, byte[] bytes) {
        try {
            h2.send(bytes);
        } catch (IOException closedMeanwhile) {
            // the node may close before all is written: that is the point
        }
    }
}
