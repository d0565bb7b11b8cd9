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
    private static final int STREAMS = 128;
    @TempDir
    static Path dir;
    private static FakeUpstream big;
    private static FakeUpstream small;
    private static Node node;

    @BeforeAll
    static void start() throws Exception {
        String body = "b".repeat(BIG);
        big = FakeUpstream.http(FakeUpstream.ok(body));
        small = FakeUpstream.http(FakeUpstream.ok("ok"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: big, paths: ["/big"], upstream: big}
                  - {id: small, paths: ["/*"], upstream: small}
                upstreams:
                  - {id: big, targets: [{url: "%s"}]}
                  - {id: small, targets: [{url: "%s"}]}
                """.formatted(big.url(), small.url()));
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
        if (small != null) {
            small.close();
        }
    }

    @Test
    void aClientThatReadsItsStreamsAByteAtATimeHoldsNoUpstreamConnectionPastTheSendTimeout() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.readUntil(f -> f.type() == H2Frames.SETTINGS && (f.flags() & 1) == 0);
            ByteArrayOutputStream streams = new ByteArrayOutputStream();
            for (int i = 0; i < STREAMS; i++) {
                streams.writeBytes(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1 + 2 * i,
                        H2Frames.get("/big")));
            }
            h2.send(streams.toByteArray());
            long start = System.nanoTime();
            int held = awaitOpen(STREAMS * 3 / 4);
            long heldMs = 0;
            // one byte a second per stream for 10 s: each answer moves, far slower than the node's 2 s per write
            for (int second = 0; second < 10; second++) {
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
                if (big.openNow.get() > STREAMS / 4) {
                    heldMs = (System.nanoTime() - start) / 1_000_000;
                }
            }
            System.out.printf("event=h2_slow_reader streams=%d upstream_held=%d held_ms=%d open_after=%d%n",
                    STREAMS, held, heldMs, big.openNow.get());
            assertTrue(heldMs < 7_000, "upstream connections were held for " + heldMs + " ms by a client reading a byte a second");
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
            int held = awaitOpen(STREAMS * 3 / 4);
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

    /** Waits (up to 20 s) until the upstream has {@code count} connections open; returns how many it has. */
    private static int awaitOpen(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (big.openNow.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return big.openNow.get();
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
