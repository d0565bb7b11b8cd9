package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks, circuit breaker and retries as a client sees them through a real node, against loopback
 * upstreams that die, hang, fail and recover on command ({@link TestBackend}). Every test has its own
 * node and its own upstream ids (the metrics registry is shared by the JVM).
 */
class UpstreamResilienceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The {@code /status} entry of {@code targetUrl} in upstream {@code upstreamId}. */
    private static JsonNode targetStatus(RunningNode node, String upstreamId, String targetUrl) throws Exception {
        for (JsonNode upstream : json(node.adminGet("/status")).get("upstream_status")) {
            if (upstream.get("id").asText().equals(upstreamId)) {
                for (JsonNode target : upstream.get("targets")) {
                    if (target.get("url").asText().equals(targetUrl)) {
                        return target;
                    }
                }
            }
        }
        throw new AssertionError("no " + upstreamId + " " + targetUrl + " in /status");
    }

    private static String circuit(RunningNode node, String upstreamId) throws Exception {
        for (JsonNode upstream : json(node.adminGet("/status")).get("upstream_status")) {
            if (upstream.get("id").asText().equals(upstreamId)) {
                return upstream.get("circuit").asText();
            }
        }
        throw new AssertionError("no " + upstreamId + " in /status");
    }

    @Test
    void aTargetThatDiesIsRetriedAroundWithoutClientErrors() throws Exception {
        try (TestBackend alive = TestBackend.start("alive"); TestBackend dying = TestBackend.start("dying");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: dies, retries: {attempts: 2, on: [connect-failure, "502"]}}
                     upstreams:
                       - id: dies
                         targets: [{url: "%s"}, {url: "%s"}]
                         health_check: {passive: {failures: 2, ejection: 30s}}
                     """.formatted(alive.url(), dying.url()))) {
            for (int i = 0; i < 4; i++) {
                assertEquals(200, node.get("/warm").statusCode());
            }
            assertEquals(2, dying.requests.get(), "round robin used both");
            dying.stop();
            Map<String, Integer> answers = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = node.get("/after");
                answers.merge(response.statusCode() + " " + json(response).path("backend").asText(), 1, Integer::sum);
            }
            assertEquals(Map.of("200 alive", 20), answers);
            JsonNode status = targetStatus(node, "dies", dying.url());
            assertTrue(status.get("ejected").asBoolean(), status.toString());
            assertFalse(status.get("healthy").asBoolean());
        }
    }

    @Test
    void aHangingTargetAnswers504ThenIsEjected() throws Exception {
        try (TestBackend ok = TestBackend.start("ok"); TestBackend hangs = TestBackend.start("hangs");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: hangs, timeouts: {read: 2s}}
                     upstreams:
                       - id: hangs
                         targets: [{url: "%s"}, {url: "%s"}]
                         health_check: {passive: {statuses: [504], failures: 1, ejection: 30s}}
                     """.formatted(ok.url(), hangs.url()))) {
            hangs.mode = TestBackend.Mode.HANG;
            // The read timeout is one the answering target meets even on a busy box (with 300 ms it did not
            // always, and a 504 from it was counted as the hanging one's); the hanging one never answers.
            int timeouts = 0;
            for (int i = 0; i < 2; i++) {
                long start = System.nanoTime();
                HttpResponse<String> response = node.get("/x");
                if (response.statusCode() == 504) {
                    timeouts++;
                    assertEquals("upstream_timeout", json(response).get("error").asText());
                    assertTrue(System.nanoTime() - start >= Duration.ofSeconds(2).toNanos());
                } else {
                    assertEquals("ok", json(response).get("backend").asText());
                }
            }
            assertEquals(1, timeouts, "round robin sent one of the first two to the hanging target");
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = node.get("/x");
                assertEquals(200, response.statusCode(), "ejected after one timeout");
            }
            assertEquals(1, hangs.requests.get());
            assertTrue(targetStatus(node, "hangs", hangs.url()).get("ejected").asBoolean());
        }
    }

    @Test
    void aFailingTargetIsMarkedUnhealthyAndTheActiveCheckBringsItBack() throws Exception {
        try (TestBackend steady = TestBackend.start("steady"); TestBackend flaky = TestBackend.start("flaky");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: flaky}
                     upstreams:
                       - id: flaky
                         targets: [{url: "%s"}, {url: "%s"}]
                         health_check:
                           active: {type: http, path: /healthz, interval: 1s, timeout: 900ms, healthy: 2, unhealthy: 2}
                     """.formatted(steady.url(), flaky.url()))) {
            // probes the steady target answers in time on a busy box too (two probes over 80 ms, or 250 ms, in a row
            // marked it unhealthy as well); the flaky one answers 503, however fast
            flaky.mode = TestBackend.Mode.UNAVAILABLE;
            RunningNode.eventually(Duration.ofSeconds(20), () ->
                    assertFalse(targetStatus(node, "flaky", flaky.url()).get("healthy").asBoolean()));
            JsonNode lastCheck = targetStatus(node, "flaky", flaky.url()).get("last_check");
            assertEquals("status 503", lastCheck.get("detail").asText());
            int before = flaky.requests.get();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = node.get("/x");
                assertEquals(200, response.statusCode());
                assertEquals("steady", json(response).get("backend").asText());
            }
            assertEquals(before, flaky.requests.get(), "no traffic to an unhealthy target");

            flaky.mode = TestBackend.Mode.OK;
            long recovering = System.nanoTime();
            RunningNode.eventually(Duration.ofSeconds(20), () ->
                    assertTrue(targetStatus(node, "flaky", flaky.url()).get("healthy").asBoolean()));
            System.out.printf("active check recovery: %d ms (interval 1 s, healthy: 2)%n",
                    (System.nanoTime() - recovering) / 1_000_000);
            for (int i = 0; i < 4; i++) {
                node.get("/x");
            }
            assertEquals(before + 2, flaky.requests.get(), "back in the rotation");
        }
    }

    @Test
    void resetConnectionsAreRetriedOnAnotherTargetWhenTheRouteSaysSo() throws Exception {
        try (TestBackend ok = TestBackend.start("ok"); TestBackend resets = TestBackend.start("resets");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: retried, paths: ["/retried"], upstream: resets, retries: {attempts: 1, on: ["502"]}}
                       - {id: plain, paths: ["/plain"], upstream: resets}
                     upstreams:
                       - id: resets
                         targets: [{url: "%s"}, {url: "%s"}]
                     """.formatted(ok.url(), resets.url()))) {
            resets.mode = TestBackend.Mode.RESET;
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = node.get("/retried");
                assertEquals(200, response.statusCode());
                assertEquals("ok", json(response).get("backend").asText());
            }
            assertTrue(resets.requests.get() >= 5, "half the first attempts went to the resetting target");
            int badGateways = 0;
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = node.get("/plain");
                if (response.statusCode() == 502) {
                    badGateways++;
                    assertEquals("bad_gateway", json(response).get("error").asText());
                }
            }
            assertEquals(5, badGateways, "without retries, every request to the resetting target fails");
        }
    }

    @Test
    void theCircuitOpensThenHalfOpensAndCloses() throws Exception {
        try (TestBackend failing = TestBackend.start("failing");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: breaker}
                     upstreams:
                       - id: breaker
                         targets: [{url: "%s"}]
                         circuit_breaker: {failure_ratio: 0.5, volume: 4, open_for: 5s, half_open_successes: 2}
                     """.formatted(failing.url()))) {
            failing.mode = TestBackend.Mode.ERROR;
            assertEquals("closed", circuit(node, "breaker"));
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = node.get("/x");
                assertEquals(500, response.statusCode(), "the upstream's own 500 goes through");
                assertEquals("failing", json(response).get("backend").asText());
            }
            HttpResponse<String> refused = node.get("/x");
            assertEquals(503, refused.statusCode());
            assertEquals("circuit_open", json(refused).get("error").asText());
            assertEquals(4, failing.requests.get(), "an open circuit sends nothing upstream");
            assertEquals("open", circuit(node, "breaker"));
            assertTrue(node.adminGet("/metrics").body().lines()
                    .anyMatch(l -> l.startsWith("stargate_circuit_state{") && l.contains("upstream=\"breaker\"")
                            && l.endsWith(" 2.0")), "gauge shows 2 (open)");

            failing.mode = TestBackend.Mode.OK;
            // open_for 5 s: the checks above of the open circuit take longer than 500 ms on a busy box
            RunningNode.eventually(Duration.ofSeconds(20), () -> assertEquals("half_open", circuit(node, "breaker")));
            assertEquals(200, node.get("/x").statusCode());
            assertEquals("half_open", circuit(node, "breaker"), "one of two successes");
            assertEquals(200, node.get("/x").statusCode());
            // the success is counted once the exchange is done, which may be just after the client has its answer
            RunningNode.eventually(Duration.ofSeconds(3), () -> assertEquals("closed", circuit(node, "breaker")));
        }
    }

    @Test
    void theRetryBudgetCapsRetriesAtAShareOfRequests() throws Exception {
        try (TestBackend down = TestBackend.start("down");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: budget, retries: {attempts: 2, on: ["503"]}}
                     upstreams:
                       - id: budget
                         targets: [{url: "%s"}]
                     """.formatted(down.url()))) {
            down.mode = TestBackend.Mode.UNAVAILABLE;
            int requests = 200;
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> response = node.get("/x");
                assertEquals(503, response.statusCode());
                assertEquals("down", json(response).get("backend").asText(), "the upstream's answer, not ours");
            }
            int retries = down.requests.get() - requests;
            System.out.printf("retry budget: %d requests, %d retries (unbudgeted: %d)%n", requests, retries, 2 * requests);
            // 20 % of 200 requests plus a reserve of 3 per second over the 10 s window: 70 when the requests fit
            // one window. A busy box spreads them over more, and each further window brings its reserve of 30
            long windows = (System.nanoTime() - start) / 10_000_000_000L + 1;
            assertTrue(retries <= 40 + 30 * windows && retries >= 60, "retries: " + retries + " in " + windows + " windows");
        }
    }

    @Test
    void allTargetsDownAnswers503Quickly() throws Exception {
        TestBackend a = TestBackend.start("a");
        TestBackend b = TestBackend.start("b");
        a.stop();
        b.stop();
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: gone, retries: {attempts: 2, on: [connect-failure]}}
                upstreams:
                  - id: gone
                    targets: [{url: "%s"}, {url: "%s"}]
                    health_check:
                      active: {type: tcp, interval: 100ms, timeout: 50ms, unhealthy: 1}
                """.formatted(a.url(), b.url()))) {
            RunningNode.eventually(Duration.ofSeconds(3), () -> {
                assertFalse(targetStatus(node, "gone", a.url()).get("healthy").asBoolean());
                assertFalse(targetStatus(node, "gone", b.url()).get("healthy").asBoolean());
            });
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = node.get("/x");
                assertEquals(503, response.statusCode());
                assertEquals("no_healthy_upstream", json(response).get("error").asText());
            }
            assertTrue(node.adminGet("/metrics").body().lines()
                    .anyMatch(l -> l.startsWith("stargate_upstream_target_healthy{") && l.contains("upstream=\"gone\"")
                            && l.endsWith(" 0.0")), "gauge shows 0");
        }
    }
    @Test
    void activeChecksFollowConfigChangesWithoutARestart() throws Exception {
        String checked = """
                routes:
                  - {id: r, paths: ["/*"], upstream: %s}
                upstreams:
                  - id: %s
                    targets: [{url: "%s"}]
                    health_check:
                      active: {type: http, path: /healthz, interval: %s, timeout: 150ms}
                """;
        try (TestBackend backend = TestBackend.start("probed");
             RunningNode node = RunningNode.start(dir, checked.formatted("probed", "probed", backend.url(), "5s"))) {
            Thread.sleep(300);
            // a 5 s interval: the jittered first probe so far, at most one more (seen twice in 5 runs on a loaded
            // box, cause not found; a 200 ms default would have made several)
            assertTrue(backend.probes.get() <= 2, "a 5 s interval: " + backend.probes.get() + " probes");

            node.rewrite(checked.formatted("probed", "probed", backend.url(), "200ms"));
            // 5 s interval: at most 2 more probes in the next 10 s; 200 ms: dozens (>= 5 even on a loaded machine)
            RunningNode.eventually(Duration.ofSeconds(10), () -> assertTrue(backend.probes.get() >= 5,
                    "the 200 ms interval applies: " + backend.probes.get()));

            node.rewrite("""
                    routes:
                      - {id: r, paths: ["/*"], upstream: renamed}
                    upstreams:
                      - {id: renamed, targets: [{url: "%s"}]}
                    """.formatted(backend.url()));
            RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals("renamed",
                    json(node.adminGet("/status")).get("upstream_status").get(0).get("id").asText()));
            int afterRemoval = backend.probes.get();
            Thread.sleep(500);
            assertTrue(backend.probes.get() <= afterRemoval + 1, "probes of a removed upstream stop at once"
                    + " (one may have been in flight): " + afterRemoval + " -> " + backend.probes.get());
            assertEquals(200, node.get("/x").statusCode());
        }
    }

    private static HttpResponse<String> post(RunningNode node, String path, String body) throws Exception {
        return node.client.send(java.net.http.HttpRequest.newBuilder(node.url(path))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        .timeout(java.time.Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSmallPostIsSentAgainToAnotherTargetAfterARetryableStatus() throws Exception {
        try (TestBackend down = TestBackend.start("down");
             TestBackend up = TestBackend.start("up");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: pair, retries: {attempts: 1, on: ["503"], methods: [POST]}}
                     upstreams:
                       - id: pair
                         targets: [{url: "%s"}, {url: "%s"}]
                     """.formatted(down.url(), up.url()))) {
            down.mode = TestBackend.Mode.UNAVAILABLE;
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> response = post(node, "/orders", "order-" + i);
                assertEquals(200, response.statusCode(), response.body());
                assertEquals("order-" + i, up.lastBody);
            }
            assertTrue(down.requests.get() >= 1, "round-robin sent some first attempts to the failing target");
            assertEquals("order-", down.lastBody.substring(0, 6), "the failing target got the body too");
        }
    }

    @Test
    void aBodyTooLargeToReadAheadIsSentOnceAndTheStatusStands() throws Exception {
        try (TestBackend down = TestBackend.start("down");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: one, retries: {attempts: 1, on: ["503"], methods: [POST]}}
                     upstreams:
                       - id: one
                         targets: [{url: "%s"}]
                     """.formatted(down.url()))) {
            down.mode = TestBackend.Mode.UNAVAILABLE;
            assertEquals(503, post(node, "/small", "x".repeat(1000)).statusCode());
            assertEquals(2, down.requests.get(), "a small body is read ahead and sent again");
            assertEquals(503, post(node, "/large", "x".repeat(70 * 1024)).statusCode());
            assertEquals(3, down.requests.get(), "a body over 64 KiB streams, so it is sent once");
        }
    }

    @Test
    void theRouteTotalTimeoutBoundsEveryAttemptTogether() throws Exception {
        try (TestBackend hang = TestBackend.start("hang");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - id: r
                         paths: ["/*"]
                         upstream: slow
                         timeouts: {read: 400ms, total: 700ms}
                         retries: {attempts: 3, on: [timeout]}
                     upstreams:
                       - id: slow
                         targets: [{url: "%s"}]
                     """.formatted(hang.url()))) {
            hang.mode = TestBackend.Mode.HANG;
            long start = System.nanoTime();
            HttpResponse<String> response = node.get("/x");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, response.statusCode(), response.body());
            assertEquals("upstream_timeout", json(response).get("error").asText());
            assertTrue(millis >= 650, "answered after " + millis + " ms");
            // without the total: 4 attempts x 400 ms. Counted in attempts, not in wall clock, which a busy box
            // stretches past the 1.6 s that would tell the two apart
            assertTrue(hang.requests.get() <= 2, "attempts: " + hang.requests.get());
        }
    }
}
