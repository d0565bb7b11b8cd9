package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one client address (SPEC §13) decides ip-restriction and lands in the access log: the TCP peer,
 * or, behind a trusted proxy, the client it names. A client's own X-Forwarded-For never moves it.
 */
class ClientAddressThroughNodeTest {
    @TempDir
    Path dir;
    private TestBackend backend;
    private RunningNode node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String... flags) throws Exception {
        backend = TestBackend.start("b");
        node = RunningNode.start(dir, """
                routes:
                  - {id: guarded, paths: [/g], upstream: b, plugins: {ip-restriction: {deny: [203.0.113.0/24]}}}
                upstreams:
                  - {id: b, targets: [{url: "%s"}]}
                """.formatted(backend.url()), flags);
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerChangesNothing() throws Exception {
        start();
        assertEquals(200, node.get("/g", "X-Forwarded-For", "198.51.100.1").statusCode());
        // The peer (127.0.0.1) is not denied, whatever the client claims; nor can it dodge a deny by claiming.
        assertEquals(200, node.get("/g", "X-Forwarded-For", "203.0.113.7").statusCode());
    }

    @Test
    void behindATrustedProxyTheClientItNamesIsChecked() throws Exception {
        Path log = dir.resolve("access.log");
        start("--trusted-proxies", "127.0.0.0/8", "--access-log", log.toString());
        HttpResponse<String> denied = node.get("/g", "X-Forwarded-For", "198.51.100.1, 203.0.113.7");
        assertEquals(403, denied.statusCode(), denied.body());
        assertEquals(200, node.get("/g", "X-Forwarded-For", "203.0.113.7, 198.51.100.1").statusCode(),
                "only the rightmost untrusted hop counts: the left one is the client's own claim");
        RunningNode.eventually(Duration.ofSeconds(5), () -> {
            String lines = Files.exists(log) ? Files.readString(log) : "";
            assertTrue(lines.contains("\"client_ip\":\"203.0.113.7\""), lines);
            assertTrue(lines.contains("\"client_ip\":\"198.51.100.1\""), lines);
        });
    }
}
