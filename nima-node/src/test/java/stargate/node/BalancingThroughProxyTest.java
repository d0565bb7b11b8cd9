package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/** Balancers as a client sees them through the node (their full distribution tests live with them). */
class BalancingThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static WebServer blue;
    static WebServer green;
    static RunningNode node;

    @BeforeAll
    static void start() throws Exception {
        blue = EchoBackend.start("blue", "127.0.0.1", 0);
        green = EchoBackend.start("green", "127.0.0.1", 0);
        node = RunningNode.start(dir, """
                routes:
                  - {id: rr, paths: ["/rr"], upstream: rr}
                  - {id: weighted, paths: ["/weighted"], upstream: weighted}
                  - {id: hashed, paths: ["/hashed"], upstream: hashed}
                upstreams:
                  - id: rr
                    targets: [{url: "http://127.0.0.1:%1$d"}, {url: "http://127.0.0.1:%2$d"}]
                  - id: weighted
                    balancer: weighted
                    targets: [{url: "http://127.0.0.1:%1$d", weight: 3}, {url: "http://127.0.0.1:%2$d", weight: 1}]
                  - id: hashed
                    balancer: consistent-hash
                    hash_on: header:x-user
                    targets: [{url: "http://127.0.0.1:%1$d"}, {url: "http://127.0.0.1:%2$d"}]
                """.formatted(blue.port(), green.port()));
    }

    @AfterAll
    static void stop() {
        node.close();
        blue.stop();
        green.stop();
    }

    private static Map<String, Integer> spread(String path, int requests, String... headers) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            String backend = JSON.readTree(node.get(path, headers).body()).get("backend").asText();
            counts.merge(backend, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinAlternates() throws Exception {
        assertEquals(Map.of("blue", 20, "green", 20), spread("/rr", 40));
    }

    @Test
    void weightedFollowsTheWeights() throws Exception {
        assertEquals(Map.of("blue", 30, "green", 10), spread("/weighted", 40));
    }

    @Test
    void consistentHashKeepsAUserOnOneTarget() throws Exception {
        for (String user : new String[] {"alice", "bob", "carol", "dave"}) {
            Map<String, Integer> counts = spread("/hashed", 10, "x-user", user);
            assertEquals(1, counts.size(), user + " moved between targets: " + counts);
        }
    }
}
