package stargate.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.node.Node;
import stargate.node.NodeOptions;

/** Plugins on a real node over loopback sockets: what a client and an upstream actually see. */
class PluginsThroughNodeTest {
    @TempDir
    Path dir;
    private LoopbackUpstream main;
    private LoopbackUpstream canary;
    private Node node;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void upstreams() throws IOException {
        main = new LoopbackUpstream("main");
        canary = new LoopbackUpstream("canary");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        main.close();
        canary.close();
    }

    private String config(String routePlugins, String globalPlugins) {
        return """
                routes:
                  - {id: users, paths: ["/users/{id}"], upstream: main, plugins: %s}
                upstreams:
                  - {id: main, targets: [{url: "%s"}]}
                  - {id: canary, targets: [{url: "%s"}]}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                global_plugins: %s
                """.formatted(routePlugins, main.url(), canary.url(), globalPlugins);
    }

    private void start(String yaml) throws IOException {
        Files.writeString(dir.resolve("stargate.yaml"), yaml);
        node = Node.start(NodeOptions.parse(List.of("--config", dir.resolve("stargate.yaml").toString(),
                "--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--plugins-dir", dir.resolve("plugins").toString()), Map.of()));
    }

    private void rewrite(String yaml) throws IOException {
        Path tmp = dir.resolve("stargate.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, dir.resolve("stargate.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + pathAndQuery));
    }

    @Test
    void keyAuthRefusesWithoutAKeyAndHidesTheKeyFromTheUpstream() throws Exception {
        start(config("{key-auth: {query: api_key}, response-transformer: {headers: {remove: [Server], add: {X-Gw: sg}}}}",
                "{request-id: {header: X-Correlation-Id}}"));
        HttpResponse<String> refused = send(get("/users/7").header("X-Correlation-Id", "corr-1"));
        assertEquals(401, refused.statusCode());
        assertEquals("{\"status\":401,\"error\":\"unauthorized\",\"message\":\"no API key in header apikey or query "
                + "parameter api_key\",\"request_id\":\"corr-1\"}", refused.body());
        assertEquals("corr-1", refused.headers().firstValue("X-Correlation-Id").orElse(null),
                "the answer passes the response phase of the stages that ran (request-id, before auth)");
        assertNull(refused.headers().firstValue("X-Gw").orElse(null), "not of those after the stage that answered");
        assertTrue(main.seen.isEmpty());

        HttpResponse<String> ok = send(get("/users/7?api_key=alice-key-123&x=1").header("apikey", "alice-key-123"));
        assertEquals(200, ok.statusCode());
        assertEquals("main", ok.body());
        assertNull(ok.headers().firstValue("Server").orElse(null));
        assertEquals("sg", ok.headers().firstValue("X-Gw").orElse(null));
        LoopbackUpstream.Seen seen = main.seen.take();
        assertEquals("/users/7?x=1", seen.target());
        assertNull(seen.header("apikey"));
    }

    @Test
    void pluginsAreEnabledChangedAndDisabledLiveByAConfigChange() throws Exception {
        start(config("{}", "{}"));
        assertEquals(200, send(get("/users/1")).statusCode());

        rewrite(config("{rate-limit: {rate: 2, per: 1m}}", "{}"));
        int status = 0;
        for (int attempt = 0; attempt < 200 && status != 429; attempt++) {     // bounded: until the change is applied
            status = send(get("/users/1")).statusCode();
            Thread.sleep(status == 429 ? 0 : 20);
        }
        assertEquals(429, status);
        HttpResponse<String> limited = send(get("/users/1"));
        assertEquals(429, limited.statusCode());
        assertTrue(limited.body().contains("\"error\":\"rate_limited\""), limited.body());
        // the next token comes 30 s after the bucket was first drawn on; seconds pass meanwhile on a busy box
        int retryAfter = Integer.parseInt(limited.headers().firstValue("Retry-After").orElse("-1"));
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertEquals("2", limited.headers().firstValue("RateLimit-Limit").orElse(null));

        rewrite(config("{}", "{}"));
        for (int attempt = 0; attempt < 200 && status != 200; attempt++) {
            status = send(get("/users/1")).statusCode();
            Thread.sleep(status == 200 ? 0 : 20);
        }
        assertEquals(200, status, "disabling the plugin applies without a restart");
    }

    @Test
    void aBodyOverTheLimitIs413UpFrontWithALengthAndWhileStreamingWithout() throws Exception {
        start(config("{request-size-limit: {max_body_size: 1KiB}}", "{}"));
        byte[] big = new byte[64 * 1024];
        HttpResponse<String> upFront = send(get("/users/1").POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        assertEquals(413, upFront.statusCode());
        assertTrue(upFront.body().contains("\"error\":\"body_too_large\""));

        HttpResponse<String> streamed = send(get("/users/1").POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(big))));
        assertEquals(413, streamed.statusCode());
        assertTrue(streamed.body().contains("request body exceeds 1024 bytes"), streamed.body());

        HttpResponse<String> small = send(get("/users/1").POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(new byte[1024]))));
        assertEquals(200, small.statusCode());
        LoopbackUpstream.Seen seen = main.seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        while (seen != null && seen.bodyBytes() != 1024) {      // a truncated upload may also have reached it
            seen = main.seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertEquals(1024, seen.bodyBytes());
    }

    @Test
    void trafficSplitSendsMatchingRequestsToTheOtherUpstream() throws Exception {
        start(config("{traffic-split: {upstream: canary, match: {headers: {X-Canary: \"yes\"}}}}", "{}"));
        assertEquals("canary", send(get("/users/1").header("X-Canary", "yes")).body());
        assertEquals("main", send(get("/users/1")).body());
    }

    @Test
    void aCorsPreflightIsAnsweredWithoutReachingTheUpstream() throws Exception {
        start(config("{key-auth: {}}", "{cors: {allow_origins: [\"https://app.example.com\"]}}"));
        HttpResponse<String> preflight = send(get("/users/1").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "content-type,x-token"));
        assertEquals(204, preflight.statusCode(), "answered before key-auth: preflights carry no credentials");
        assertEquals("https://app.example.com", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("content-type, x-token", preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(null),
                "allow_headers empty: the headers asked for are allowed");
        HttpResponse<String> malformed = send(get("/users/1").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "x-token, Set-Cookie: s=1"));
        assertEquals(403, malformed.statusCode());
        assertTrue(malformed.headers().firstValue("Access-Control-Allow-Headers").isEmpty());
        assertTrue(malformed.headers().allValues("Set-Cookie").isEmpty());
        assertTrue(main.seen.isEmpty());
    }

    @Test
    void aConfiguredPluginTheNodeCannotRunStopsTheStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> start(config("{no-such-plugin: {}}", "{}")));
        assertTrue(e.getMessage().contains("routes[0].plugins.no-such-plugin: unknown plugin \"no-such-plugin\""),
                e.getMessage());
    }
}
