package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.Node;
import stargate.node.NodeOptions;
import stargate.node.TestCertificates;

/**
 * HTTP/2 from clients (SPEC §16) with real clients: the JDK HttpClient (h2c upgrade, TLS ALPN), curl
 * ({@code --http2-prior-knowledge}, {@code --http2} over TLS), h2load, and a raw frame writer for the
 * attacks ({@link H2Frames}). Upstreams stay HTTP/1.1.
 */
class Http2FromClientsTest {
    @TempDir
    static Path dir;
    private static FakeUpstream upstream;
    private static Node node;
    private static TestCertificates certificate;
    private static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        // Answers with connection-specific fields and a chunked body: none of that may reach an h2 client.
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\n"
                    + "X-Hop: secret\r\nX-Kept: yes\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nok\n\r\n0\r\n\r\n");
            return true;
        });
        certificate = TestCertificates.generate(dir, "local", "EC", "localhost");
        accessLog = dir.resolve("access.log");
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - id: echo
                    paths: ["/echo/*"]
                    upstream: up
                  - id: limited
                    paths: ["/limited"]
                    upstream: up
                    plugins: {request-size-limit: {max_body_size: 1KiB}}
                upstreams:
                  - id: up
                    targets: [{url: "%s"}]
                certificates:
                  - id: local
                    snis: [localhost]
                    cert_file: %s
                    key_file: %s
                """.formatted(upstream.url(), certificate.certFile(), certificate.keyFile()));
        node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", accessLog.toString(),
                "--drain-timeout", "5s"), Map.of()));
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

    @BeforeEach
    void forgetRequests() {
        upstream.requests.clear();
    }

    private static String http(String path) {
        return "http://127.0.0.1:" + node.port() + path;
    }

    @Test
    void jdkClientUpgradesToH2cAndTheUpstreamGetsAPlainHttp11Request() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create(http("/echo/a?x=1")))
                .header("X-Custom", "v").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = client.send(HttpRequest.newBuilder(URI.create(http("/echo/b"))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, first.statusCode());
        assertEquals("ok\n", first.body());
        assertEquals(HttpClient.Version.HTTP_2, second.version(), "the connection was upgraded to h2c");
        FakeUpstream.Request request = upstream.nextRequest();
        assertEquals("/echo/a?x=1", request.target());
        assertEquals("v", request.header("X-Custom"));
        assertEquals("127.0.0.1:" + upstream.port(), request.header("Host"), ":authority/Host becomes the target's");
        assertEquals("http", request.header("X-Forwarded-Proto"));
        for (String[] header : request.headers()) {
            String name = header[0].toLowerCase(Locale.ROOT);
            assertFalse(name.startsWith(":"), "pseudo-header leaked upstream: " + name);
            assertFalse(List.of("connection", "upgrade", "http2-settings").contains(name), "hop-by-hop: " + name);
        }
        assertEquals("/echo/b", upstream.nextRequest().target());
    }

    @Test
    void jdkClientNegotiatesH2ByAlpnAndStreamsALargeUpload() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TestCertificates.trusting(certificate)).build();
        byte[] body = new byte[4 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + node.httpsPort() + "/echo/upload"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        FakeUpstream.Request request = upstream.nextRequest();
        assertEquals(body.length, request.bodyLength());
        assertEquals(crc.getValue(), request.bodyCrc());
        assertEquals("https", request.header("X-Forwarded-Proto"));
    }

    @Test
    void curlPriorKnowledgeGetsNoConnectionSpecificResponseFields() throws Exception {
        String out = run("curl", "-sS", "--http2-prior-knowledge", "-D", "-", http("/echo/c"));

        assertTrue(out.startsWith("HTTP/2 200"), out);
        String head = out.toLowerCase(Locale.ROOT);
        assertTrue(head.contains("x-kept: yes"), out);
        assertTrue(head.contains("x-request-id:"), out);
        for (String field : List.of("connection:", "keep-alive:", "x-hop:", "transfer-encoding:")) {
            assertFalse(head.contains("\n" + field), field + " reached an HTTP/2 client:\n" + out);
        }
        assertTrue(out.endsWith("ok\n"), out);
    }

    @Test
    void curlNegotiatesH2OverTls() throws Exception {
        String out = run("curl", "-sS", "--http2", "--cacert", certificate.certFile().toString(),
                "--resolve", "localhost:" + node.httpsPort() + ":127.0.0.1",
                "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "https://localhost:" + node.httpsPort() + "/echo/tls");

        assertEquals("2 200", out);
    }

    @Test
    void h2loadManyStreamsPerConnectionAreAllServedAndCountedLikeHttp11() throws Exception {
        String out = run("h2load", "-n", "1000", "-c", "4", "-m", "16", http("/echo/load"));

        assertTrue(out.contains("1000 succeeded"), out);
        assertTrue(out.contains("status codes: 1000 2xx"), out);
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        String line = metrics.body().lines()
                .filter(l -> l.startsWith("stargate_requests_total{route=\"echo\",method=\"GET\",status=\"200\"}"))
                .findFirst().orElseThrow(() -> new AssertionError(metrics.body()));
        assertTrue(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 1000, line);
        assertFalse(metrics.body().contains("protocol="), "SPEC §11 fixes the labels");
    }

    @Test
    void accessLogLineOfAnH2RequestIsTheSameAsHttp11s() throws Exception {
        run("curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", http("/echo/logged-h2"));
        run("curl", "-sS", "--http1.1", "-o", "/dev/null", http("/echo/logged-h1"));

        String h2 = logLine("/echo/logged-h2");
        String h1 = logLine("/echo/logged-h1");
        assertEquals(fieldNames(h1), fieldNames(h2));
        assertTrue(h2.contains("\"route\":\"echo\"") && h2.contains("\"status\":200"), h2);
    }

    private static String logLine(String path) throws Exception {
        String[] found = new String[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (found[0] == null && System.nanoTime() < deadline) {
            Files.readAllLines(accessLog).stream().filter(l -> l.contains("\"path\":\"" + path + "\""))
                    .findFirst().ifPresent(l -> found[0] = l);
            Thread.sleep(50);
        }
        assertNotNull(found[0], "no access-log line for " + path);
        return found[0];
    }

    private static List<String> fieldNames(String json) {
        List<String> names = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([a-z_]+)\":").matcher(json);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void decodedHeadersOverTheLimitAre431Json() throws Exception {
        // 20,000 'a's Huffman-encode to ~12.5 KB: within the encoded limit, over --max-header-size decoded.
        String out = run("curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_code}",
                "-H", "X-Big: " + "a".repeat(20_000), http("/echo/big"));

        assertTrue(out.endsWith(" 431"), out);
        assertTrue(out.contains("\"error\":\"headers_too_large\""), out);
        assertTrue(upstream.requests.isEmpty(), "nothing went upstream");
    }

    @Test
    void hpackBombIs431AndNeverReachesTheUpstream() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            // One 4,000-byte field into the dynamic table, then 4,000 one-byte references: ~8 KB on the wire,
            // 16 MB decoded.
            List<byte[]> fields = new ArrayList<>();
            fields.add(H2Frames.literal("x-bomb", "b".repeat(4000), true));
            for (int i = 0; i < 4000; i++) {
                fields.add(H2Frames.indexed(62));
            }
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/echo/bomb", fields.toArray(byte[][]::new))));

            String body = h2.body(1);
            assertTrue(body.contains("\"status\":431"), body);
        }
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void fieldValuesWithCrLfOrNulEndTheConnectionAndNothingIsSmuggledUpstream() throws Exception {
        for (String value : List.of("v\r\nX-Injected: 1", "v\u0000w")) {
            try (H2Frames h2 = new H2Frames(node.port())) {
                h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                        H2Frames.get("/echo/inject", H2Frames.literal("x-a", value, false))));

                H2Frames.Frame goAway = h2.goAway();
                assertNotNull(goAway);
                assertEquals(H2Frames.PROTOCOL_ERROR, goAway.errorCode());
            }
        }
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void aQueryWithCrLfIs400AndNotARequestLineSplit() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/echo/q?a=1 HTTP/1.1\r\nHost: evil\r\n\r\nGET /smuggled")));

            String body = h2.body(1);
            assertTrue(body.contains("\"status\":400") && body.contains("bad_request"), body);
        }
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void connectionFieldFromAnH2ClientIsAProtocolError() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/echo/conn", H2Frames.literal("connection", "close", false))));

            assertEquals(H2Frames.PROTOCOL_ERROR, h2.goAway().errorCode());
        }
    }

    @Test
    void moreStreamsThanAdvertisedAreRefusedWhileOtherClientsAreServed() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            OutputStreamBatch batch = new OutputStreamBatch();
            for (int i = 0; i < 200; i++) {   // END_HEADERS without END_STREAM: every stream stays open
                batch.add(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS, 1 + 2 * i, H2Frames.get("/echo/open")));
            }
            h2.send(batch.bytes());

            H2Frames.Frame goAway = h2.goAway();
            assertNotNull(goAway, "200 open streams were accepted; the limit is 128");
            assertEquals(H2Frames.REFUSED_STREAM, goAway.errorCode());
        }
        assertEquals("2 200", run("curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null",
                "-w", "%{http_version} %{http_code}", http("/echo/after-flood")));
    }

    @Test
    void continuationFramesBeyondTheHeaderLimitEndTheConnection() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, 0, 1, H2Frames.get("/echo/cont")));
            try {
                for (int i = 0; i < 1000; i++) {   // 1000 × ~70 B: well over the 16 KiB limit
                    h2.send(H2Frames.frame(H2Frames.CONTINUATION, 0, 1,
                            H2Frames.literal("x-c" + i, "v".repeat(60), false)));
                }
            } catch (IOException closedMeanwhile) {
                // the server may close before all are written: that is the point
            }
            assertNotNull(h2.goAway(), "no GOAWAY after a header block over the limit");
        }
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void bodyTooLargeOnH2Is413WithoutResettingTheStream() throws Exception {
        Path body = dir.resolve("body.bin");
        Files.write(body, new byte[64 * 1024]);
        String out = run("curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version} %{http_code}",
                "--data-binary", "@" + body, http("/limited"));

        assertTrue(out.endsWith(" 2 413"), out);
        assertTrue(out.contains("\"error\":\"body_too_large\""), out);
    }

    @Test
    void drainLetsInFlightHttp2StreamsFinish() throws Exception {
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(3);
        try (FakeUpstream slow = FakeUpstream.http((request, out) -> {
            arrived.countDown();
            Thread.sleep(1500);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
            return true;
        })) {
            Path config = dir.resolve("drain.yaml");
            Files.writeString(config, """
                    routes:
                      - {id: slow, paths: ["/*"], upstream: slow}
                    upstreams:
                      - id: slow
                        targets: [{url: "%s"}]
                    certificates:
                      - {id: local, snis: [localhost], cert_file: %s, key_file: %s}
                    """.formatted(slow.url(), certificate.certFile(), certificate.keyFile()));
            Node draining = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                    "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                    "--drain-timeout", "10s"), Map.of()));
            boolean stopped = false;
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                        .sslContext(TestCertificates.trusting(certificate)).build();
                List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    inFlight.add(client.sendAsync(HttpRequest.newBuilder(
                                    URI.create("https://localhost:" + draining.httpsPort() + "/work/" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                assertTrue(arrived.await(20, TimeUnit.SECONDS), "the requests reached the upstream");

                stopped = true;
                assertTrue(draining.drainAndStop(Duration.ofSeconds(10)), "all in-flight requests finished");
                for (var request : inFlight) {
                    HttpResponse<String> response = request.get(10, TimeUnit.SECONDS);
                    assertEquals(HttpClient.Version.HTTP_2, response.version());
                    assertEquals("done", response.body());
                }
            } finally {
                if (!stopped) {
                    draining.close();
                }
            }
        }
    }

    /** Concatenates frames so a flood goes out in a few writes. */
    private static final class OutputStreamBatch {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        void add(byte[] frame) {
            bytes.writeBytes(frame);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** Runs a client to completion (bounded) and returns its stdout; fails on a non-zero exit. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream ignored = process.getOutputStream()) {
            // no stdin
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        String shown = String.join(" ", command);
        assertEquals(0, process.exitValue(), shown.substring(0, Math.min(shown.length(), 100)) + " failed: " + text);
        return text;
    }
}
