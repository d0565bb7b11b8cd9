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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * What one HTTP/2 connection can make the node hold (issue 13/17, docs/http2.md), each attack
 * written frame by frame ({@link H2Frames}): a flood of empty CONTINUATION frames (CVE-2024-27316's
 * class), a header block that never ends, rapid reset (CVE-2023-44487). Each ends the attacker's
 * connection with a GOAWAY, and another client is served right after.
 */
class Http2AbuseTest {
    @TempDir
    static Path dir;
    private static FakeUpstream upstream;
    /** Only the stalled-body test's stream goes here: its connections are that stream's alone. */
    private static FakeUpstream stallUpstream;
    private static Node node;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.http(FakeUpstream.ok("ok"));
        stallUpstream = FakeUpstream.http(FakeUpstream.ok("stalled body arrived whole?"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: r, paths: ["/*"], upstream: up}
                  - {id: stall, paths: ["/stall"], upstream: stall}
                upstreams:
                  - id: up
                    targets: [{url: "%s"}]
                  - id: stall
                    targets: [{url: "%s"}]
                """.formatted(upstream.url(), stallUpstream.url()));
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
        if (stallUpstream != null) {
            stallUpstream.close();
        }
    }

    @Test
    void floodOfEmptyContinuationFramesEndsTheConnection() throws Exception {
        long before = rejected("http2_flood");
        try (H2Frames h2 = settled()) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            flood.writeBytes(H2Frames.frame(H2Frames.HEADERS, 0, 1, H2Frames.get("/flood")));
            for (int i = 0; i < 20_000; i++) {      // 180 KB of frames that each cost Helidon a list entry
                flood.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, 0, 1, new byte[0]));
            }
            sendIgnoringClose(h2, flood.toByteArray());
            H2Frames.Frame goAway = h2.goAway();
            assertNotNull(goAway, "the connection survived 20,000 empty CONTINUATION frames");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        assertEquals(before + 1, rejected("http2_flood"));
        assertServed();
    }

    @Test
    void continuationFramesPastTheLimitEndTheConnectionEvenWhenSmall() throws Exception {
        try (H2Frames h2 = settled()) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.frame(H2Frames.HEADERS, 0, 1, H2Frames.get("/many")));
            for (int i = 0; i < 9; i++) {       // nine 1-field frames: far under the header size limit
                block.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, 0, 1, H2Frames.literal("x-" + i, "v", false)));
            }
            block.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, H2Frames.END_HEADERS, 1, new byte[0]));
            sendIgnoringClose(h2, block.toByteArray());
            H2Frames.Frame goAway = h2.goAway();
            assertNotNull(goAway);
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        assertServed();
    }

    @Test
    void aHeaderBlockSplitInAFewFramesIsServed() throws Exception {
        try (H2Frames h2 = settled()) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_STREAM, 1, H2Frames.get("/split")));
            for (int i = 0; i < 3; i++) {
                block.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, 0, 1, H2Frames.literal("x-" + i, "v", false)));
            }
            block.writeBytes(H2Frames.frame(H2Frames.CONTINUATION, H2Frames.END_HEADERS, 1,
                    H2Frames.literal("x-last", "v", false)));
            h2.send(block.toByteArray());
            assertEquals("ok", h2.body(1));
        }
    }

    @Test
    void aHeaderBlockThatNeverEndsIsCutAfterTheHeadDeadline() throws Exception {
        long before = rejected("header_timeout");
        try (H2Frames h2 = settled()) {
            long start = System.nanoTime();
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_STREAM, 1, H2Frames.get("/never-ends")));
            H2Frames.Frame goAway = h2.goAway();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertNotNull(goAway, "the node kept a connection whose header block never ended");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
            assertTrue(tookMs >= 900 && tookMs < 10_000, "cut after the 1 s head deadline, took " + tookMs + " ms");
        }
        assertEquals(before + 1, rejected("header_timeout"));
        assertTrue(upstream.requests.stream().noneMatch(r -> r.target().contains("never-ends")));
        assertServed();
    }

    @Test
    void aStreamWhoseBodyStallsIsAnswered408AndTheConnectionGoesOn() throws Exception {
        long before = rejected("body_timeout");
        try (H2Frames h2 = settled()) {
            long start = System.nanoTime();
            byte[] post = H2Frames.get("/stall");
            post[0] = (byte) 0x83;      // :method POST in place of GET (static table entry 3)
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS, 1, post));
            h2.send(H2Frames.frame(H2Frames.DATA, 0, 1, "first bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            String answer = h2.body(1);     // then nothing more of the body
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.contains("\"error\":\"client_timeout\""), answer);
            assertTrue(tookMs >= 900 && tookMs < 10_000, "cut after the 1 s body timeout, took " + tookMs + " ms");
            // the stream's upstream connection was given up, and the client's connection serves its next stream
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (stallUpstream.openNow.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, stallUpstream.connections.get(), "the stalled stream's body was on its way upstream");
            assertEquals(0, stallUpstream.openNow.get(), "the upstream connection of the stalled stream is still open");
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 3, H2Frames.get("/next")));
            assertEquals("ok", h2.body(3));
        }
        assertEquals(before + 1, rejected("body_timeout"));
    }

    @Test
    void rapidResetEndsTheConnectionAndOthersAreServed() throws Exception {
        try (H2Frames h2 = settled()) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                int stream = 1 + 2 * i;
                batch.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, stream,
                        H2Frames.get("/reset")));
                batch.writeBytes(H2Frames.frame(H2Frames.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}));
            }
            sendIgnoringClose(h2, batch.toByteArray());
            H2Frames.Frame goAway = h2.goAway();
            assertNotNull(goAway, "the connection survived 200 rapid resets");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goAway.errorCode());
        }
        assertServed();
    }

    /**
     * A connection past the SETTINGS exchange: the acknowledgement H2Frames sends when it reads the node's
     * SETTINGS must not fall inside a header block the test leaves open (that alone is a protocol error).
     */
    private static H2Frames settled() throws IOException {
        H2Frames h2 = new H2Frames(node.port());
        h2.readUntil(f -> f.type() == H2Frames.SETTINGS && (f.flags() & 1) == 0);
        return h2;
    }

    /** The node keeps serving: another h2 connection gets its answer, and so does HTTP/1.1. */
    private static void assertServed() throws Exception {
        try (H2Frames h2 = settled()) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1, H2Frames.get("/fine")));
            assertEquals("ok", h2.body(1));
        }
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + "/fine")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
    }

    private static void sendIgnoringClose(H2Frames h2, byte[] bytes) {
        try {
            h2.send(bytes);
        } catch (IOException closedMeanwhile) {
            // the node may close before all is written: that is the point
        }
    }

    private static long rejected(String reason) throws Exception {
        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("stargate_rejected_total\\{reason=\"" + reason + "\"} (\\d+)").matcher(metrics);
        assertTrue(m.find(), "no stargate_rejected_total for " + reason);
        return Long.parseLong(m.group(1));
    }
}
