package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import stargate.node.plugin.LoopbackUpstream;
import stargate.node.proxy.RawClient;

/**
 * SPEC §13 on a real node: paths are normalized before routing and the upstream gets exactly the
 * normalized path, so {@code /public/*} (open) cannot be used to reach {@code /admin/*} (key-auth).
 * Requests go over a raw socket so that no client library normalizes them first; the loopback
 * upstream records the request target it actually received.
 */
class PathNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NOT_FORWARDED = "-";

    @TempDir
    static Path dir;
    static LoopbackUpstream app;
    static RunningNode node;

    @BeforeAll
    static void start() throws Exception {
        app = new LoopbackUpstream("app");
        node = RunningNode.start(dir, """
                routes:
                  - {id: public, paths: ["/public/*"], upstream: app}
                  - {id: admin, paths: ["/admin/*"], upstream: app, plugins: {key-auth: {}}}
                  - {id: catch-all, paths: ["/*"], upstream: app}
                upstreams:
                  - {id: app, targets: [{url: "%s"}]}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                """.formatted(app.url()), "--access-log", dir.resolve("access.log").toString());
    }

    @AfterAll
    static void stop() {
        node.close();
        app.close();
    }

    @BeforeEach
    void forgetEarlierRequests() {
        app.seen.clear();
    }

    @ParameterizedTest(name = "{3}: GET {0} -> {1}, upstream sees {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /public/../admin/x          | 401 | -                          | dot-dot into a guarded route
            /public/%2e%2e/admin/x      | 401 | -                          | encoded dot-dot
            /public/%2E%2E/admin/x      | 401 | -                          | encoded dot-dot, upper case
            /public/.%2e/admin/x        | 401 | -                          | half-encoded dot-dot
            //admin/x                   | 401 | -                          | double slash
            /%61dmin/x                  | 401 | -                          | encoded unreserved letter
            /public/./a//b?q=/../%2f    | 200 | /public/a/b?q=/../%2f      | dot and double slash removed, query untouched
            /x/y/../z                   | 200 | /x/z                       | catch-all on the normalized path
            /public/caf%c3%a9           | 200 | /public/caf%C3%A9          | other escapes stay encoded
            /public/..%2fadmin/x        | 400 | -                          | encoded slash
            /public/..%2Fadmin/x        | 400 | -                          | encoded slash, upper case
            /public/a%5cb               | 400 | -                          | encoded backslash
            /public/a%00                | 400 | -                          | encoded NUL
            /..                         | 400 | -                          | climbs above the root
            /public/../../admin/x       | 400 | -                          | climbs above the root from a route
            /public/caf\u00c3\u00a9     | 400 | -                          | raw UTF-8 bytes
            /public/a\\b                | 400 | -                          | raw backslash
            /public/..;/admin/x         | 400 | -                          | Tomcat-style ..; path parameter
            """)
    void attacksAreRoutedOnTheNormalizedPathOrRefused(String target, int status, String upstreamSees, String attack)
            throws Exception {
        RawClient.Response response = get(target, null);

        assertEquals(status, response.status(), attack + ": " + response.bodyText());
        if (status >= 400) {
            JsonNode error = JSON.readTree(response.bodyText());
            assertEquals(status, error.get("status").asInt());
            assertEquals(status == 400 ? "bad_request" : "unauthorized", error.get("error").asText(), attack);
        }
        LoopbackUpstream.Seen seen = app.seen.poll(upstreamSees.equals(NOT_FORWARDED) ? 0 : 5, TimeUnit.SECONDS);
        if (upstreamSees.equals(NOT_FORWARDED)) {
            assertNull(seen, attack + " reached the upstream as " + (seen == null ? null : seen.target()));
        } else {
            assertEquals(upstreamSees, seen.target(), attack);
        }
    }

    @Test
    void aGuardedRouteReachedThroughDotDotStillNeedsAndGetsItsKey() throws Exception {
        RawClient.Response response = get("/public/%2e%2e/admin/x?y=1", "alice-key-123");

        assertEquals(200, response.status(), response.bodyText());
        assertEquals("/admin/x?y=1", app.seen.poll(5, TimeUnit.SECONDS).target());
    }

    @Test
    void aRefusedPathSaysWhy() throws Exception {
        RawClient.Response response = get("/a/../../etc/passwd", null);

        assertEquals(400, response.status());
        assertEquals("application/json", response.header("Content-Type"));
        assertTrue(response.bodyText().contains("climbs above /"), response.bodyText());
    }

    @Test
    void theAccessLogShowsThePathAsTheClientSentItAndTheRouteItReached() throws Exception {
        assertEquals(401, get("/public/%2e%2e/admin/logged", null).status());

        RunningNode.eventually(Duration.ofSeconds(5), () -> assertTrue(Files.readString(dir.resolve("access.log"))
                .contains("\"route\":\"admin\",\"upstream\":\"app\",\"method\":\"GET\","
                        + "\"path\":\"/public/%2e%2e/admin/logged\",\"status\":401")));
    }

    private static RawClient.Response get(String target, String apiKey) throws Exception {
        return RawClient.send(node.node.port(), "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (apiKey == null ? "" : "apikey: " + apiKey + "\r\n") + "Connection: close\r\n\r\n");
    }
}
