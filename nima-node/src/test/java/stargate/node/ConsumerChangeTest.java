package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.config.ConfigApplier;
import stargate.node.demo.EchoBackend;

/**
 * A change of consumers alone is applied incrementally (the routes' plugin chains are not compiled
 * again: they look consumers up in the snapshot being served), and auth sees it at once: an added
 * consumer's key works, a removed consumer's key stops working, a consumer's changed plugin applies.
 */
class ConsumerChangeTest {
    private static String config(int port, String consumers) {
        return """
                routes:
                  - {id: r, paths: ["/*"], upstream: u, plugins: {key-auth: {}}}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                consumers:
                %s
                """.formatted(port, consumers);
    }

    private static String consumer(String id, String who) {
        return "  - {id: " + id + ", key_auth: {key: " + id + "-key-123}, "
                + "plugins: {response-transformer: {headers: {add: {X-Who: " + who + "}}}}}";
    }

    private static void answers(RunningNode node, String key, int status, String who) throws Exception {
        HttpResponse<String> response = node.get("/x", "apikey", key);
        assertEquals(status, response.statusCode(), key + ": " + response.body());
        assertEquals(who, response.headers().firstValue("X-Who").orElse(null), key);
    }

    @Test
    void consumersAddedChangedAndRemovedApplyIncrementallyAndAuthSeesThem(@TempDir Path dir) throws Exception {
        List<String> applied = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(ConfigApplier.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().startsWith("event=config_applied")) {
                    applied.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        WebServer backend = EchoBackend.start("echo", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, config(backend.port(), consumer("alice", "alice")))) {
            answers(node, "alice-key-123", 200, "alice");
            answers(node, "bob-key-123", 401, null);

            node.rewrite(config(backend.port(), consumer("alice", "alice") + "\n" + consumer("bob", "bob")));
            RunningNode.eventually(Duration.ofSeconds(20), () -> answers(node, "bob-key-123", 200, "bob"));
            answers(node, "alice-key-123", 200, "alice");

            node.rewrite(config(backend.port(), consumer("bob", "bob-2")));
            RunningNode.eventually(Duration.ofSeconds(20), () -> answers(node, "alice-key-123", 401, null));
            answers(node, "bob-key-123", 200, "bob-2");

            RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(3, applied.size(), applied.toString()));
            assertTrue(applied.get(1).contains("changes=\"+1 consumer\"") && applied.get(1).contains("mode=incremental"),
                    applied.get(1));
            assertTrue(applied.get(2).contains("mode=incremental"), applied.get(2));
        } finally {
            log.removeHandler(capture);
            backend.stop();
        }
    }
}
