package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/** Standalone mode applies file changes live, under load, with no failed request. */
class HotReloadTest {
    private static String config(int port, String backendPath) {
        return """
                routes:
                  - {id: r, paths: ["/*"], upstream: u, rewrite: {path: "%s"}}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backendPath, port);
    }

    @Test
    void changesApplyUnderLoadWithZeroFailedRequests(@TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("echo", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, config(backend.port(), "/v0"))) {
            AtomicInteger ok = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // The load runs through the six reloads and until it has served a few dozen requests (bounded): a fixed
            // 4 s window served only 8 on a busy box, which proved nothing either way
            AtomicBoolean reloaded = new AtomicBoolean();
            long loadEnds = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 20_000 && System.nanoTime() < loadEnds && !(reloaded.get() && ok.get() > 20); i++) {
                        try {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(node.url("/x")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200 && r.body().contains("\"path\":\"/v")) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            for (int version = 1; version <= 6; version++) {
                Thread.sleep(500);
                node.rewrite(config(backend.port(), "/v" + version));
            }
            reloaded.set(true);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(70));
            }
            assertTrue(failures.isEmpty(), failures.size() + " failed, first: " + failures.peek());
            // requests went on through the six reloads (a loaded CI box may serve few in the window)
            assertTrue(ok.get() > 20, "served " + ok.get());
            RunningNode.eventually(Duration.ofSeconds(5),
                    () -> assertTrue(node.get("/x").body().contains("\"path\":\"/v6/x\"")));
        } finally {
            backend.stop();
        }
    }

    @Test
    void invalidChangeIsRejectedAndThePreviousConfigKeepsServing(@TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("echo", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, config(backend.port(), "/good"))) {
            node.rewrite(config(backend.port(), "/good").replace("upstream: u", "upstream: missing"));
            Thread.sleep(1_200); // several poll periods: the rejected file must not be applied
            HttpResponse<String> response = node.get("/x");
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("\"path\":\"/good/x\""), response.body());
            String metrics = node.adminGet("/metrics").body();
            assertTrue(metrics.contains("stargate_config_applies_total{") && metrics.contains("result=\"rejected\""),
                    "rejected apply counted");
            node.rewrite(config(backend.port(), "/fixed"));
            RunningNode.eventually(Duration.ofSeconds(5),
                    () -> assertTrue(node.get("/x").body().contains("\"path\":\"/fixed/x\"")));
        } finally {
            backend.stop();
        }
    }

    @Test
    void aChangeRefusedByTheIncrementalCheckIsReportedAsAWholeCheckReportsIt(@TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("echo", "127.0.0.1", 0);
        StringBuffer log = new StringBuffer();
        java.util.logging.Logger applier = java.util.logging.Logger.getLogger("stargate.node.config.ConfigApplier");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                log.append(record.getMessage()).append('\n');
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        applier.addHandler(capture);
        try (RunningNode node = RunningNode.start(dir, config(backend.port(), "/good"))) {
            // a second route with the same id (the diff by id cannot take it), then a dangling reference
            node.rewrite(config(backend.port(), "/good").replace("routes:\n",
                    "routes:\n  - {id: r, paths: [\"/dup\"], upstream: u}\n"));
            RunningNode.eventually(Duration.ofSeconds(5), () -> assertTrue(
                    log.toString().contains("error=\"routes[1].id: duplicate id \"r\" (also routes[0])\""), log.toString()));
            node.rewrite(config(backend.port(), "/good").replace("upstream: u,", "upstream: gone,"));
            RunningNode.eventually(Duration.ofSeconds(5), () -> assertTrue(
                    log.toString().contains("error=\"routes[0].upstream: unknown upstream \"gone\"\""), log.toString()));
            assertTrue(node.get("/x").body().contains("\"path\":\"/good/x\""), "the last good config serves");
            node.rewrite(config(backend.port(), "/fixed"));
            RunningNode.eventually(Duration.ofSeconds(5),
                    () -> assertTrue(node.get("/x").body().contains("\"path\":\"/fixed/x\"")));
            // config_applied is logged just after the swap the request above saw
            RunningNode.eventually(Duration.ofSeconds(5), () -> assertTrue(log.toString().contains("mode=incremental"),
                    "one changed route is applied incrementally"));
        } finally {
            applier.removeHandler(capture);
            backend.stop();
        }
    }

    @Test
    void aFileWithReadingAndReferenceErrorsReportsBothInOnePass(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RunningNode.start(dir, """
                        routes:
                          - {id: typo, paths: [/a], upstream: u, colour: red}
                          - {id: dangling, paths: [/b], upstream: missing}
                        upstreams:
                          - {id: u, targets: [{url: "http://127.0.0.1:1"}]}
                        """));
        assertTrue(e.getMessage().contains("routes[0]: unknown key \"colour\""), e.getMessage());
        assertTrue(e.getMessage().contains("routes[1].upstream"), e.getMessage());
    }
}
