package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM semantics: readiness DOWN at once, in-flight requests finish, then the listener is gone. */
class GracefulShutdownTest {
    @Test
    void inFlightRequestsFinishWhileReadinessIsDown(@TempDir Path dir) throws Exception {
        int inFlight = 5;
        CountDownLatch arrived = new CountDownLatch(inFlight);
        WebServer slow = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.get("/*", (req, res) -> {
                    arrived.countDown();
                    Thread.sleep(1_500);
                    res.send("done");
                }))
                .build().start();
        RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: slow, paths: ["/*"], upstream: slow}
                upstreams:
                  - id: slow
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(slow.port()));
        try {
            assertEquals(200, node.adminGet("/health/ready").statusCode());
            java.net.URI proxyUrl = node.url("/work");
            List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
            for (int i = 0; i < inFlight; i++) {
                requests.add(node.client.sendAsync(java.net.http.HttpRequest.newBuilder(node.url("/work")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "requests reached the backend");

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return node.node.drainAndStop(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            RunningNode.eventually(Duration.ofSeconds(1),
                    () -> assertEquals(503, node.adminGet("/health/ready").statusCode()));

            for (CompletableFuture<HttpResponse<String>> request : requests) {
                HttpResponse<String> response = request.get(10, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertEquals("done", response.body());
            }
            assertTrue(drained.get(15, TimeUnit.SECONDS), "all in-flight requests finished");
            Exception refused = assertThrows(java.io.IOException.class, () -> node.client.send(
                    java.net.http.HttpRequest.newBuilder(proxyUrl).build(), HttpResponse.BodyHandlers.ofString()));
            assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException,
                    "the listener is closed: " + refused);
        } finally {
            slow.stop();
        }
    }
}
