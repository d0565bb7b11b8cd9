package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load (8 virtual-thread clients, 6 s) through a node while one of two targets is killed and
 * brought back: with retries on, passive ejection and active checks, no idempotent GET may fail, and the
 * target takes traffic again once it is back.
 */
class KillAndRestartLoadTest {
    private static final int CLIENTS = 8;
    private static final Duration RUN = Duration.ofSeconds(6);
    private static final Duration KILL_AT = Duration.ofMillis(1500);
    private static final Duration RESTART_AT = Duration.ofMillis(3500);

    @TempDir
    Path dir;

    @Test
    void noIdempotentRequestFailsWhileATargetDiesAndComesBack() throws Exception {
        try (TestBackend steady = TestBackend.start("steady"); TestBackend victim = TestBackend.start("victim");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - id: r
                         paths: ["/*"]
                         upstream: load
                         retries: {attempts: 2, on: [connect-failure, "502", "503", "504"]}
                     upstreams:
                       - id: load
                         targets: [{url: "%s"}, {url: "%s"}]
                         health_check:
                           active: {type: http, path: /healthz, interval: 1s, timeout: 900ms, healthy: 1, unhealthy: 2}
                           passive: {failures: 3, ejection: 1s}
                     """.formatted(steady.url(), victim.url()));
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(2)).build()) {
            LongAdder ok = new LongAdder();
            Map<String, Integer> failures = new ConcurrentHashMap<>();
            AtomicInteger victimBeforeRestart = new AtomicInteger(-1);     // -1: not restarted yet
            long start = System.nanoTime();
            long end = start + RUN.toNanos();
            // Probes the steady target answers in time on a busy box too (150 ms ones failed twice in a row there, and
            // with both targets unhealthy requests were 503); the passive check ejects the killed one at once.
            // RUN, and then until the restarted target has served (bounded): a busy box can stretch the kill
            // and restart steps, and the checks that bring the target back, past the end of RUN
            long hardEnd = start + RUN.plusSeconds(30).toNanos();
            java.util.function.BooleanSupplier running = () -> {
                long now = System.nanoTime();
                int before = victimBeforeRestart.get();
                return now < end || now < hardEnd && (before < 0 || victim.requests.get() <= before);
            };
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    // a request that hangs fails; 30 s, as a cold JVM on a busy box can stall every client for over 5 s
                    HttpRequest request = HttpRequest.newBuilder(node.url("/load")).timeout(Duration.ofSeconds(30)).build();
                    while (running.getAsBoolean()) {
                        try {
                            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                ok.increment();
                            } else {
                                failures.merge(response.statusCode() + " " + response.body(), 1, Integer::sum);
                            }
                        } catch (Exception e) {
                            failures.merge(e.toString(), 1, Integer::sum);
                        }
                    }
                }));
            }
            Thread.sleep(KILL_AT);
            victim.stop();
            Thread.sleep(RESTART_AT.minus(KILL_AT));
            victimBeforeRestart.set(victim.requests.get());
            victim.restart();
            for (Thread t : clients) {
                t.join(RUN.plusSeconds(70));
            }
            int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
            int victimAfter = victim.requests.get() - victimBeforeRestart.get();
            System.out.printf("load: %d ok, %d failed %s; victim served %d after restart, steady %d%n",
                    ok.sum(), failed, failures, victimAfter, steady.requests.get());
            assertEquals(Map.of(), failures);
            assertTrue(victimAfter > 0, "the restarted target takes traffic again");
        }
    }
}
