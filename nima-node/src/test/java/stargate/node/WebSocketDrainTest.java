package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM with open WebSockets (SPEC §16): they keep relaying while the node drains, get a close frame
 * 1001 when the drain timeout ends, then the node stops; a config change meanwhile does not cut them.
 * Each closed WebSocket leaves one access-log line with its duration and bytes both ways.
 */
class WebSocketDrainTest {
    @Test
    void openSocketsSurviveAConfigChangeThenGetGoingAwayAtTheDrainDeadline(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (WebSocketUpstream upstream = WebSocketUpstream.plain()) {
            String config = """
                    routes:
                      - {id: ws, paths: [/echo], upstream: up, websocket: true}
                    upstreams:
                      - {id: up, targets: [{url: "http://127.0.0.1:%d"}]}
                    """.formatted(upstream.port());
            RunningNode node = RunningNode.start(dir, config, "--access-log", log.toString());
            HttpClient client = HttpClient.newHttpClient();
            WebSocketProxyTest.Collector messages = new WebSocketProxyTest.Collector();
            int port = node.node.port();
            WebSocket ws = WebSocketProxyTest.open(client, port, "/echo", messages);
            ws.sendText("before", true).get(10, TimeUnit.SECONDS);
            assertEquals("before", messages.next());

            // a config change (the route moves to another path) leaves the open socket alone
            node.rewrite(config.replace("[/echo]", "[/echo, /echo2]"));
            RunningNode.eventually(Duration.ofSeconds(10), () -> assertEquals(200, node.get("/echo2").statusCode()));
            ws.sendText("after a config change", true).get(10, TimeUnit.SECONDS);
            assertEquals("after a config change", messages.next());

            Duration drainTimeout = Duration.ofSeconds(6);       // long enough for the checks below on a loaded box
            long drainStarted = System.nanoTime();
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return node.node.drainAndStop(drainTimeout);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            RunningNode.eventually(Duration.ofSeconds(5), () -> {
                try {
                    new java.net.Socket("127.0.0.1", port).close();
                    throw new AssertionError("a new connection was accepted while draining");
                } catch (java.net.ConnectException e) {
                    // refused: no new WebSocket can start
                }
            });
            assertFalse(messages.closed.isDone(), "the open socket still relays during the drain");
            ws.sendText("while draining", true).get(10, TimeUnit.SECONDS);
            assertEquals("while draining", messages.next());

            assertEquals(1001, messages.closed.get(15, TimeUnit.SECONDS), "close frame 1001 (going away)");
            assertTrue(System.nanoTime() - drainStarted >= drainTimeout.dividedBy(2).toNanos(),
                    "not long before the drain timeout");
            drained.get(15, TimeUnit.SECONDS);
            node.close();

            List<String> lines = Files.readAllLines(log);
            String line = lines.stream().filter(l -> l.contains("\"status\":101")).findFirst()
                    .orElseThrow(() -> new AssertionError("no WebSocket line in " + lines));
            assertTrue(line.contains("\"route\":\"ws\"") && line.contains("\"bytes_received\":")
                    && line.contains("\"duration_ms\":"), line);
            long fromClient = Long.parseLong(line.replaceAll(".*\"bytes_received\":(\\d+).*", "$1"));
            long toClient = Long.parseLong(line.replaceAll(".*\"bytes\":(\\d+).*", "$1"));
            // three masked text frames up (6-byte headers), three unmasked echoes down (2-byte headers); the
            // client's masked close frame in reply to 1001 (8 bytes) counts when it arrives before the socket closes
            long textUp = 3 * 6 + "beforeafter a config changewhile draining".length();
            assertTrue(fromClient == textUp || fromClient == textUp + 8, fromClient + " bytes up: " + line);
            assertEquals(3 * 2 + "beforeafter a config changewhile draining".length(), toClient, line);
        }
    }
}
