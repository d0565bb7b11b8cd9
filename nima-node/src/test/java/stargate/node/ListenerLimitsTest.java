package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listener limits that keep one client from taking the node: concurrency cap, idle keep-alive sockets. */
class ListenerLimitsTest {
    @Test
    void requestsOverTheConcurrencyCapGet503WhileOthersFinish(@TempDir Path dir) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(2);
        WebServer slow = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.get("/*", (req, res) -> {
                    arrived.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    res.send("ok");
                }))
                .build().start();
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: slow, paths: ["/*"], upstream: slow}
                upstreams:
                  - id: slow
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(slow.port()), "--max-concurrent-requests", "2")) {
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(node.client.sendAsync(HttpRequest.newBuilder(node.url("/held")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "two requests in flight");
            HttpResponse<String> third = node.get("/third");
            assertEquals(503, third.statusCode(), third.body());
            assertTrue(third.body().contains("\"error\":\"overloaded\""), third.body());
            release.countDown();
            for (CompletableFuture<HttpResponse<String>> request : held) {
                assertEquals(200, request.get(10, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(200, node.get("/after").statusCode(), "capacity is back once they finished");
        } finally {
            release.countDown();
            slow.stop();
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheClientTimeout(@TempDir Path dir) throws Exception {
        WebServer backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backend.port()), "--client-timeout", "1s");
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            assertTrue(in.read(buffer) > 0, "answered");
            long start = System.nanoTime();
            while (in.read(buffer) >= 0) {
                // the rest of the response, then EOF when the node closes the idle connection
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 8_000, "closed after " + millis + " ms");
        } finally {
            backend.stop();
        }
    }
}
