package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * Graceful shutdown of a standalone node process (SPEC §5): on SIGTERM readiness goes down at once,
 * the requests in flight finish with their real answers, and the process exits 0 within the drain
 * timeout, logging {@code event=drain_finished}.
 */
class NodeShutdownTest {
    private static final Duration BACKEND_DELAY = Duration.ofMillis(1500);
    private static final int IN_FLIGHT = 4;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void sigtermDrainsInFlightRequestsThenExitsZero(@TempDir Path dir) throws Exception {
        CountDownLatch arrived = new CountDownLatch(IN_FLIGHT);
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", exchange -> {
            arrived.countDown();
            try {
                Thread.sleep(BACKEND_DELAY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow".getBytes(UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        Path config = Files.writeString(dir.resolve("stargate.yaml"), """
                upstreams:
                  - id: slow
                    targets: [{url: "http://127.0.0.1:%d"}]
                routes:
                  - id: slow
                    paths: [/slow]
                    upstream: slow
                """.formatted(backend.getAddress().getPort()));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        try (NodeProcess node = NodeProcess.startStandalone("drain", config, DRAIN_TIMEOUT.toSeconds() + "s", dir)) {
            assertEquals(200, node.admin("/health/ready").status(), "ready before the SIGTERM");
            List<Future<Http.Answer>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(clients.submit(() -> node.request("/slow")));
            }
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "every request reached the backend\n" + node.logTail());

            long sigterm = System.nanoTime();
            Future<Integer> exitCode = clients.submit(() -> node.terminate(DRAIN_TIMEOUT.plusSeconds(5)));
            // The admin listener stays open while the proxy drains (it closes last), so readiness is
            // observed as 503, not as a refused connection; the backend holds the requests long enough.
            // "At once" = as soon as the JVM handles the signal: within a second, long before the drain ends.
            Http.Answer[] ready = new Http.Answer[1];
            Await.until(() -> "readiness goes down: " + (ready[0] == null ? "" : ready[0].body()), Duration.ofSeconds(1),
                    () -> (ready[0] = node.admin("/health/ready")).status() == 503);
            assertTrue(ready[0].body().contains("\"DOWN\""), ready[0].body());

            for (Future<Http.Answer> request : inFlight) {
                Http.Answer answer = request.get(10, TimeUnit.SECONDS);
                assertEquals(200, answer.status(), "an in-flight request finishes: " + answer.body());
                assertEquals("slow", answer.body());
            }
            int code = exitCode.get(DRAIN_TIMEOUT.plusSeconds(10).toSeconds(), TimeUnit.SECONDS);
            long tookMillis = (System.nanoTime() - sigterm) / 1_000_000;
            String log = node.log();
            assertAll("after the drain (node log:\n" + node.logTail() + ")",
                    () -> assertEquals(0, code, "exit code (143 = the JVM's default after SIGTERM)"),
                    () -> assertTrue(tookMillis < DRAIN_TIMEOUT.toMillis(), "exited within the drain timeout: " + tookMillis + " ms"),
                    () -> assertTrue(log.contains("event=drain_finished all_finished=true"), "the drain logs its end"),
                    () -> assertEquals(-1, node.admin("/health/ready").status(), "the admin listener is closed after the exit"));
        } finally {
            clients.shutdownNow();
            backend.stop(0);
        }
    }
}
