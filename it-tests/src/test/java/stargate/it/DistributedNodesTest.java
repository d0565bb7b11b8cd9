package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.EtcdCluster;
import stargate.it.support.NodeProcess;

/**
 * Two node processes following a 3-member etcd cluster (SPEC §8): they serve what is written,
 * ride out the loss of one member and of all of them, converge when the members are back, and
 * their keys under {@code nodes/} live and die with them.
 */
class DistributedNodesTest {
    private static final String PREFIX = "/stargate";
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    @Test
    void twoNodesFollowAClusterThroughMemberLossTotalOutageAndRecovery(@TempDir Path dir) throws Exception {
        HttpServer backend = Backend.echoingPath();
        int backendPort = backend.getAddress().getPort();
        try (EtcdCluster etcd = EtcdCluster.startCluster(3);
             Client client = Client.builder().endpoints(etcd.clientUrls().toArray(String[]::new)).build();
             NodeProcess n1 = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir);
             NodeProcess n2 = NodeProcess.start("n2", etcd.endpoints(), PREFIX, dir)) {
            List<NodeProcess> nodes = List.of(n1, n2);
            put(client, "upstreams/echo", "{\"id\": \"echo\", \"targets\": [{\"url\": \"http://127.0.0.1:" + backendPort + "\"}]}");
            putRoute(client, "first");
            awaitServed(nodes, "/first");
            Await.until("both node keys exist", CONVERGE, () -> exists(client, "nodes/n1") && exists(client, "nodes/n2"));

            etcd.stop(0);
            etcd.awaitHealthy(1, 2);
            putRoute(client, "second");
            awaitServed(nodes, "/second");

            etcd.stop(1, 2);
            for (int i = 0; i < 10; i++) {
                for (NodeProcess node : nodes) {
                    assertEquals(200, node.get("/first"), node.id() + " serves its last good config with etcd down");
                    assertEquals(200, node.get("/second"), node.id());
                }
                Thread.sleep(100);
            }

            etcd.start(0, 1, 2);
            putRoute(client, "third");
            awaitServed(nodes, "/third");
            Await.until("the revision gauge is the applied revision", CONVERGE, () -> {
                long applied = longField(n1.status(), "applied_revision");
                Matcher gauge = Pattern.compile("(?m)^stargate_config_revision(?:\\{[^}]*})? (\\S+)$").matcher(n1.metrics());
                return gauge.find() && (long) Double.parseDouble(gauge.group(1)) == applied;
            });

            n2.kill();
            Await.until("a killed node's key expires with its lease", CONVERGE, () -> !exists(client, "nodes/n2"));
            assertTrue(exists(client, "nodes/n1"), "the live node keeps its key");
        } finally {
            backend.stop(0);
        }
    }

    private static void putRoute(Client client, String id) throws Exception {
        put(client, "routes/" + id, "{\"id\": \"" + id + "\", \"paths\": [\"/" + id + "\"], \"upstream\": \"echo\"}");
    }

    /** A write as the controller makes it; retried while the cluster elects a leader. */
    private static void put(Client client, String key, String spec) throws Exception {
        ByteSequence k = ByteSequence.from(PREFIX + "/" + key, UTF_8);
        ByteSequence v = ByteSequence.from("{\"meta\": {}, \"spec\": " + spec + "}", UTF_8);
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            try {
                client.getKVClient().put(k, v).get(5, SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean exists(Client client, String key) throws Exception {
        return client.getKVClient().get(ByteSequence.from(PREFIX + "/" + key, UTF_8)).get(5, SECONDS).getCount() > 0;
    }

    private static long longField(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void awaitServed(List<NodeProcess> nodes, String path) throws Exception {
        for (NodeProcess node : nodes) {
            Await.until(node.id() + " serves " + path + "\n" + node.logTail(), CONVERGE, () -> node.get(path) == 200);
        }
    }
}
