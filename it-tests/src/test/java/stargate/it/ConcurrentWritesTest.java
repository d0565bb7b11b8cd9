package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;

/**
 * Admin writes under concurrency (issue 21), against real processes: one etcd, two controllers.
 * Independent writes never fail because of each other, within one controller (group commit) or
 * across two (the write fence, lost races retried server-side); an invalid write fails alone; an
 * If-Match race has exactly one winner; every write is audited once.
 */
class ConcurrentWritesTest {
    private static final String PREFIX = "/stargate";
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static EtcdCluster etcd;
    private static ControllerProcess a;
    private static ControllerProcess b;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.startSingle();
        Path da = dir.resolve("a");
        Path db = dir.resolve("b");
        java.nio.file.Files.createDirectories(da);
        java.nio.file.Files.createDirectories(db);
        a = ControllerProcess.start(etcd.endpoints(), PREFIX, da);
        b = ControllerProcess.start(etcd.endpoints(), PREFIX, db);
        assertEquals(201, a.api("POST", "/upstreams", "{\"id\": \"up\", \"targets\": [{\"url\": \"http://127.0.0.1:9\"}]}").status());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {b, a, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void sixteenWritersCreate960DistinctRoutesWithoutOneErrorAndEachIsAuditedOnce() throws Exception {
        Map<Integer, Integer> statuses = concurrently(16, 960, i -> a.api("POST", "/routes", route("w16-" + i)));
        assertEquals(Map.of(201, 960), statuses, a.logTail());
        Set<String> ids = routeIds(a);
        for (int i = 0; i < 960; i++) {
            assertTrue(ids.contains("w16-" + i), "w16-" + i);
        }
        Map<String, Integer> audited = auditedCreations();
        for (int i = 0; i < 960; i++) {
            assertEquals(1, audited.getOrDefault("w16-" + i, 0), "audit entries creating w16-" + i);
        }
    }

    @Test
    void twoControllersWritingConcurrentlyLoseNoWrite() throws Exception {
        Map<Integer, Integer> statuses = concurrently(16, 480, i -> (i % 2 == 0 ? a : b).api("POST", "/routes", route("two-" + i)));
        assertEquals(Map.of(201, 480), statuses, a.logTail() + "\n" + b.logTail());
        Set<String> fromA = routeIds(a);
        Set<String> fromB = routeIds(b);
        for (int i = 0; i < 480; i++) {
            assertTrue(fromA.contains("two-" + i) && fromB.contains("two-" + i), "two-" + i);
        }
        Map<String, Integer> audited = auditedCreations();
        for (int i = 0; i < 480; i++) {
            assertEquals(1, audited.getOrDefault("two-" + i, 0), "audit entries creating two-" + i);
        }
        // the audit sequence is dense and unique across both controllers: one number per write
        List<Long> sequences = new ArrayList<>();
        auditPages(item -> sequences.add(item.path("sequence").asLong()));
        assertEquals(sequences.size(), new HashSet<>(sequences).size(), "unique write numbers");
        assertEquals(sequences.get(0) - sequences.get(sequences.size() - 1) + 1, sequences.size(), "dense write numbers");
    }

    @Test
    void anInvalidWriteInsideABatchFailsAlone() throws Exception {
        Map<Integer, List<Long>> revisions = new ConcurrentHashMap<>();
        for (int round = 0; round < 5; round++) {
            int r = round;
            Map<Integer, Integer> statuses = concurrently(16, 16, i -> {
                // two of every sixteen name an upstream that does not exist
                String body = i % 8 == 3 ? route("bad-" + r + "-" + i).replace("\"up\"", "\"missing\"") : route("mix-" + r + "-" + i);
                Http.Answer answer = a.api("POST", "/routes", body);
                if (answer.status() == 201) {
                    revisions.computeIfAbsent(r, k -> new ArrayList<>()).add(revisionOf(answer));
                }
                return answer;
            });
            assertEquals(Map.of(201, 14, 400, 2), statuses, "round " + round);
        }
        Set<String> ids = routeIds(a);
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 16; i++) {
                assertEquals(i % 8 != 3, ids.contains("mix-" + round + "-" + i) , "mix-" + round + "-" + i);
                assertTrue(!ids.contains("bad-" + round + "-" + i));
            }
        }
        // group commit happened: some valid writes of a round share one revision (one transaction)
        boolean shared = revisions.values().stream().anyMatch(list -> new HashSet<>(list).size() < list.size());
        assertTrue(shared, "no two writes were committed together: " + revisions);
    }

    @Test
    void anIfMatchRaceHasExactlyOneWinnerEvenAcrossControllers() throws Exception {
        for (int round = 0; round < 3; round++) {
            String id = "race-" + round;
            Http.Answer created = a.api("POST", "/routes", route(id));
            assertEquals(201, created.status());
            String etag = created.etag();
            int r = round;
            Map<Integer, Integer> statuses = concurrently(16, 16, i -> (i % 2 == 0 ? a : b).api("PUT", "/routes/" + id,
                    "{\"paths\": [\"/race/" + r + "/" + i + "\"], \"upstream\": \"up\"}", Map.of("If-Match", etag)));
            assertEquals(Map.of(200, 1, 412, 15), statuses, "round " + round);
        }
    }

    private static String route(String id) {
        return "{\"id\": \"" + id + "\", \"paths\": [\"/" + id + "\"], \"upstream\": \"up\"}";
    }

    private static long revisionOf(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("revision").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(answer.body(), e);
        }
    }

    /** {@code count} calls spread over {@code threads} threads started together; the answers by status. */
    private static Map<Integer, Integer> concurrently(int threads, int count, IntFunction<Http.Answer> call) throws Exception {
        AtomicInteger next = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    statuses.computeIfAbsent(call.apply(i).status(), k -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }
        go.countDown();
        for (Thread t : started) {
            t.join(120_000);
        }
        Map<Integer, Integer> out = new TreeMap<>();
        statuses.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every route id, page by page (the list pages: 500 a page by default). */
    private static Set<String> routeIds(ControllerProcess controller) throws Exception {
        Set<String> ids = new HashSet<>();
        String next = "";
        for (int page = 0; page < 100; page++) {
            Http.Answer list = controller.api("GET", "/routes?limit=200" + next, null);
            assertEquals(200, list.status(), list.body());
            JsonNode body = JSON.readTree(list.body());
            body.path("items").forEach(item -> ids.add(item.path("id").asText()));
            if (!body.has("continue")) {
                return ids;
            }
            next = "&continue=" + body.path("continue").asText();
        }
        throw new AssertionError("more than 100 pages of routes");
    }

    /** Route id to how many audit entries created it. */
    private static Map<String, Integer> auditedCreations() throws Exception {
        Map<String, Integer> out = new HashMap<>();
        auditPages(item -> item.path("changes").forEach(c -> {
            if (c.path("kind").asText().equals("routes") && c.path("op").asText().equals("added")) {
                out.merge(c.path("id").asText(), 1, Integer::sum);
            }
        }));
        return out;
    }

    private static void auditPages(java.util.function.Consumer<JsonNode> each) throws Exception {
        String after = "";
        for (int page = 0; page < 100; page++) {
            JsonNode body = JSON.readTree(a.api("GET", "/audit?limit=500" + after, null).body());
            body.path("items").forEach(each);
            if (body.path("next_after").isNull()) {
                return;
            }
            after = "&after=" + body.path("next_after").asLong();
        }
    }
}
