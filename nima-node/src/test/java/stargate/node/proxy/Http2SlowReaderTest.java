package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * HTTP/2 slow readers on many streams (docs/http2.md): a client opens the most streams it may for large
 * answers and then reads nothing (no WINDOW_UPDATE), or reads them a byte at a time (one-byte WINDOW_UPDATEs).
 * Each stream holds an upstream connection while its answer waits, so one TCP connection can hold 128 of them.
 * What bounds it: {@code --client-send-timeout} for each write of an answer, as on HTTP/1.1. A well-behaved
 * client beside the attacker is served meanwhile.
 */
class Http2SlowReaderTest {
    private static final int BIG = 1 << 20;
    /** Sent whole in one HEADERS + DATA (ProxyExchange's small-answer path), so one write of up to 16 KiB. */
    private static final int SMALL = 12 * 1024;
    private static final int STREAMS = 128;
    @TempDir
    static Path dir;
    private static FakeUpstream big;
    private static FakeUpstream twelveK;
    private static FakeUpstream small;
    private static Node node;

    @BeforeAll
    static void start() throws Exception {
        String body = "b".repeat(BIG);
        big = FakeUpstream.http(FakeUpstream.ok(body));
        twelveK = FakeUpstream.http(FakeUpstream.ok("s".repeat(SMALL)));
        small = FakeUpstream.http(FakeUpstream.ok("ok"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: big, paths: ["/big"], upstream: big}
                  - {id: twelve-k, paths: ["/12k"], upstream: twelve-k}
                  - {id: small, paths: ["/*"], upstream: small}
                upstreams:
                  - {id: big, targets: [{url: "%s"}]}
                  - {id: twelve-k, targets: [{url: "%s"}]}
                  - {id: small, targets: [{url: "%s"}]}
                """.formatted(big.url(), twelveK.url(), small.url()));
        node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--client-send-timeout", "2s", "--drain-timeout", "2s"), Map.of()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        if (big != null) {
            big.close();
        }
        if (twelveK != null) {
            twelveK.close();
        }
        if (small != null) {
            small.close();
        }
    }

    /**
     * @param path a 1 MiB answer (written in 16 KiB pieces, each stream holding its upstream connection) or a 12 KiB
     *             one (read whole from the upstream, then written in one send that waits for the client's window)
     */
    @ParameterizedTest
    @ValueSource(strings = {"/big", "/12k"})
    void aClientThatReadsItsStreamsAByteAtATimeHoldsNoUpstreamConnectionPastTheSendTimeout(String path) throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.readUntil(f -> f.type() == H2Frames.SETTINGS && (f.flags() & 1) == 0);
            ByteArrayOutputStream streams = new ByteArrayOutputStream();
            for (int i = 0; i < STREAMS; i++) {
                streams.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1 + 2 * i,
                        H2Frames.get(path)));
            }
            h2.send(streams.toByteArray());
            long start = System.nanoTime();
            int held = awaitInFlight(STREAMS * 3 / 4);
            long heldMs = 0;
            // one byte a second per stream for 8 s: each answer moves, far slower than the node's 2 s per write
            for (int second = 0; second < 8; second++) {
                ByteArrayOutputStream updates = new ByteArrayOutputStream();
                updates.writeBytes(H2Frames.frame(8, 0, 0, windowUpdate(STREAMS)));
                for (int i = 0; i < STREAMS; i++) {
                    updates.writeBytes(H2Frames.frame(8, 0, 1 + 2 * i, windowUpdate(1)));
                }
                try {
                    h2.send(updates.toByteArray());
                } catch (IOException closed) {
                    break;
                }
                if (second == 1) {
                    assertServed();
                }
                Thread.sleep(1_000);
                if (inFlight() > STREAMS / 4) {
                    heldMs = (System.nanoTime() - start) / 1_000_000;
                }
            }
            System.out.printf("event=h2_slow_reader path=%s streams=%d requests_held=%d held_ms=%d in_flight_after=%d "
                    + "big_upstream_open_after=%d%n", path, STREAMS, held, heldMs, inFlight(), big.openNow.get());
            assertTrue(heldMs < 6_000, "requests (and for /big their upstream connections) were held for " + heldMs + " ms by a client reading a byte a second");
        }
        assertServed();
    }

    @Test
    void aClientThatReadsNothingHoldsNoUpstreamConnectionPastTheSendTimeout() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.readUntil(f -> f.type() == H2Frames.SETTINGS && (f.flags() & 1) == 0);
            ByteArrayOutputStream streams = new ByteArrayOutputStream();
            for (int i = 0; i < STREAMS; i++) {
                streams.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1 + 2 * i,
                        H2Frames.get("/big")));
            }
            h2.send(streams.toByteArray());
            long start = System.nanoTime();
            int held = awaitOpen(big, STREAMS * 3 / 4);
            assertServed();
            long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos();
            while (big.openNow.get() > STREAMS / 4 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long heldMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("event=h2_stalled_reader streams=%d upstream_held=%d held_ms=%d open_after=%d%n",
                    STREAMS, held, heldMs, big.openNow.get());
            assertTrue(heldMs < 7_000, "upstream connections were held for " + heldMs + " ms by a client reading nothing");
        }
        assertServed();
    }

    /** Waits (up to 20 s) until the node has {@code count} requests in flight; returns how many it has. */
    private static int awaitInFlight(int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (inFlight() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return inFlight();
    }

    /** {@code stargate_active_requests}: requests the node is serving now. */
    private static int inFlight() throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^stargate_active_requests (\\d+)").matcher(metrics);
        assertTrue(m.find(), "no stargate_active_requests");
        return Integer.parseInt(m.group(1));
    }

    /** Waits (up to 20 s) until the upstream has {@code count} connections open; returns how many it has. */
    private static int awaitOpen(FakeUpstream upstream, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (upstream.openNow.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return upstream.openNow.get();
    }

    private static byte[] windowUpdate(int increment) {
        return new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment};
    }

    /** A well-behaved HTTP/2 client (the JDK's, h2c upgrade) gets a small and a large answer whole. */
    private static void assertServed() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> smallAnswer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                + "/fine")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, smallAnswer.statusCode());
        assertEquals("ok", smallAnswer.body());
        HttpResponse<byte[]> bigAnswer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                + "/big")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, bigAnswer.statusCode());
        assertEquals(BIG, bigAnswer.body().length);
    }
}
