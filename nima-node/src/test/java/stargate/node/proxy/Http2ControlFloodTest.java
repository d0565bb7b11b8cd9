package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * Frames the node must answer, sent by a client that reads nothing (CVE-2019-9512 "ping flood",
 * CVE-2019-9515 "settings flood"): each PING and SETTINGS gets an acknowledgement, which queue in the
 * connection's writer. The writer holds at most 256 KiB; past that the node stops reading the client, and
 * the blocked write ends the connection after {@code --client-send-timeout}. So the client can make the node
 * hold a bounded amount, for a bounded time, and a well-behaved client is served meanwhile. Bounded: 30 s.
 */
class Http2ControlFloodTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Loopback's socket buffers on both sides take a few MiB; an unbounded queue would take everything sent in 30 s. */
    private static final long MOST_THE_NODE_MAY_TAKE = 32L << 20;

    @ParameterizedTest
    @ValueSource(strings = {"ping", "settings"})
    void aFloodOfFramesToAcknowledgeFromAClientThatDoesNotReadIsCut(String kind, @TempDir Path dir) throws Exception {
        FakeUpstream upstream = FakeUpstream.http(FakeUpstream.ok("ok"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: r, paths: ["/*"], upstream: up}
                upstreams:
                  - id: up
                    targets: [{url: "%s"}]
                """.formatted(upstream.url()));
        try (Node node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--client-send-timeout", "2s", "--drain-timeout", "2s"), Map.of()))) {
            long before = rejected(node, "send_timeout");
            byte[] batch = batch(kind);
            AtomicLong sent = new AtomicLong();
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);      // the client reads nothing: let the node's writes meet that soon
            socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5_000);
            long start = System.nanoTime();
            CompletableFuture<String> ended = CompletableFuture.supplyAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
                    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
                        out.write(batch);
                        sent.addAndGet(batch.length);
                    }
                    return "still open after 30 s";
                } catch (IOException e) {
                    return "closed";
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            // a well-behaved client is served while the flood goes on
            Thread.sleep(500);
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                    + "/fine")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            String outcome = ended.get(60, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            socket.close();
            assertEquals("closed", outcome, "sent " + sent.get() + " bytes");
            assertTrue(sent.get() < MOST_THE_NODE_MAY_TAKE, "the node took " + sent.get() + " bytes of frames to acknowledge");
            assertTrue(tookMs < 25_000, "cut after the 2 s send timeout, took " + tookMs + " ms");
            assertEquals(before + 1, rejected(node, "send_timeout"));
        } finally {
            upstream.close();
        }
    }

    /** 1,000 PING frames, or 1,000 SETTINGS frames each setting the initial window: all to be acknowledged. */
    private static byte[] batch(String kind) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < 1_000; i++) {
            frames.writeBytes(kind.equals("ping")
                    ? H2Frames.frame(6, 0, 0, new byte[] {0, 0, 0, 0, 0, 0, (byte) (i >> 8), (byte) i})
                    : H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[] {0, 4, 0, 0, (byte) 0xff, (byte) 0xff}));
        }
        return frames.toByteArray();
    }

    private static long rejected(Node node, String reason) throws Exception {
        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("stargate_rejected_total\\{reason=\"" + reason + "\"} (\\d+)").matcher(metrics);
        assertTrue(m.find(), "no stargate_rejected_total for " + reason);
        return Long.parseLong(m.group(1));
    }
}
