package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * Issue 12: a node watching while a 10,000-object whole-config apply runs (a staging copied in
 * ~100 transactions) never serves a partly applied change. The old config routes {@code /r/i}
 * to backend A and has no {@code /n/i}; the new one routes both to backend B. One client samples
 * random routes of both sets without pause: every answer must be all-old (A, or 404 for
 * {@code /n/i}) or all-new (B), and once one answer is new no later answer may be old.
 */
class StagedApplyTest {
    private static final String PREFIX = "/stargate";
    private static final int N = 2500;
    @TempDir
    static Path dir;

    private static HttpServer backend(String name) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    /** Old: routes r-i to upstreams u-i on A (5,000 objects). New: u-i on B, r-i with a second path, v-i on B, n-i to v-i. */
    private static String config(boolean next, int a, int b) {
        StringBuilder routes = new StringBuilder();
        StringBuilder upstreams = new StringBuilder();
        for (int i = 0; i < N; i++) {
            String sep = i == 0 ? "" : ",";
            routes.append(sep).append("{\"id\":\"r-").append(i).append("\",\"paths\":[\"/r/").append(i).append("\"")
                    .append(next ? ",\"/rr/" + i + "\"" : "").append("],\"upstream\":\"u-").append(i).append("\"}");
            upstreams.append(sep).append("{\"id\":\"u-").append(i).append("\",\"targets\":[{\"url\":\"http://127.0.0.1:")
                    .append(next ? b : a).append("\"}]}");
            if (next) {
                routes.append(",{\"id\":\"n-").append(i).append("\",\"paths\":[\"/n/").append(i).append("\"],\"upstream\":\"v-")
                        .append(i).append("\"}");
                upstreams.append(",{\"id\":\"v-").append(i).append("\",\"targets\":[{\"url\":\"http://127.0.0.1:").append(b)
                        .append("\"}]}");
            }
        }
        return "{\"routes\":[" + routes + "],\"upstreams\":[" + upstreams + "]}";
    }

    @Test
    void aNodeServesAllOldOrAllNewWhileATenThousandObjectApplyRuns() throws Exception {
        HttpServer a = backend("A");
        HttpServer b = backend("B");
        try (EtcdCluster etcd = EtcdCluster.startSingle();
             ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir);
             NodeProcess node = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir)) {
            int pa = a.getAddress().getPort();
            int pb = b.getAddress().getPort();
            Http.Answer first = controller.api("PUT", "/config", config(false, pa, pb));
            assertEquals(200, first.status(), first.body());
            Await.until("the node serves the old config", Duration.ofSeconds(60),
                    () -> node.request("/r/" + (N - 1)).body().equals("A"));

            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean applying = new AtomicBoolean();
            AtomicInteger duringApply = new AtomicInteger();
            List<String> violations = new ArrayList<>();
            int[] counts = new int[2];
            Thread sampler = Thread.ofPlatform().start(() -> {
                boolean seenNew = false;
                for (int s = 0; s < 1_000_000 && !stop.get(); s++) {
                    int i = ThreadLocalRandom.current().nextInt(N);
                    boolean added = (s & 1) == 1;
                    Http.Answer answer = node.request((added ? "/n/" : "/r/") + i);
                    boolean isNew = answer.status() == 200 && answer.body().equals("B");
                    boolean isOld = added ? answer.status() == 404 : answer.status() == 200 && answer.body().equals("A");
                    if (!isNew && !isOld || isOld && seenNew) {
                        violations.add("sample " + s + (added ? " /n/" : " /r/") + i + ": " + answer.status() + " "
                                + answer.body() + (isOld ? " (old after new)" : ""));
                        if (violations.size() > 20) {
                            return;
                        }
                    }
                    seenNew |= isNew;
                    counts[isNew ? 1 : 0]++;
                    if (applying.get()) {
                        duringApply.incrementAndGet();
                    }
                }
            });
            applying.set(true);
            long t0 = System.nanoTime();
            Http.Answer second = controller.api("PUT", "/config", config(true, pa, pb));
            long putMs = (System.nanoTime() - t0) / 1_000_000;
            applying.set(false);
            assertEquals(200, second.status(), second.body().substring(0, Math.min(400, second.body().length())));
            assertTrue(second.body().contains("+2500 routes") && second.body().contains("~2500 upstreams"),
                    second.body().substring(0, Math.min(400, second.body().length())));
            long revision = revisionOf(second.body());
            Await.until("the node applied the new config", Duration.ofSeconds(60),
                    () -> longField(node.status(), "applied_revision") >= revision);
            Thread.sleep(300);
            stop.set(true);
            sampler.join(Duration.ofSeconds(30));
            assertEquals(List.of(), violations, node.logTail());
            assertTrue(duringApply.get() > 20, "samples while the apply ran: " + duringApply.get());
            assertTrue(counts[0] > 0 && counts[1] > 0, "old " + counts[0] + ", new " + counts[1]);
            assertEquals("B", node.request("/n/" + (N - 1)).body());
            assertEquals("B", node.request("/rr/0").body());
            System.out.printf("10,000-object apply watched by a node: PUT %d ms, %d samples during it, %d old and %d new answers%n",
                    putMs, duringApply.get(), counts[0], counts[1]);
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }

    private static long revisionOf(String json) {
        return longField(json, "revision");
    }

    private static long longField(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
