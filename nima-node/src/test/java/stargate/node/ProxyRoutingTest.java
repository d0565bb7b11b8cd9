package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.node.demo.EchoBackend;

/**
 * Routing precedence through a real node (the full table lives with the matcher in model/): each
 * route rewrites to {@code /<its id>}, so the echo backend tells which route served the request.
 */
class ProxyRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static WebServer backend;
    static RunningNode node;

    @BeforeAll
    static void start() throws Exception {
        backend = EchoBackend.start("echo", "127.0.0.1", 0);
        String target = "http://127.0.0.1:" + backend.port();
        node = RunningNode.start(dir, """
                routes:
                  - {id: host-exact, hosts: [api.example.com], paths: ["/*"], upstream: echo, rewrite: {path: /host-exact}}
                  - {id: host-wild, hosts: ["*.example.com"], paths: ["/*"], upstream: echo, rewrite: {path: /host-wild}}
                  - {id: users-exact, paths: [/users/me], upstream: echo, rewrite: {path: /users-exact}}
                  - {id: users-id, paths: ["/users/{id}"], upstream: echo, rewrite: {path: "/users-id/{id}"}}
                  - {id: users-post, paths: ["/users/{id}"], methods: [POST], upstream: echo, rewrite: {path: /users-post}}
                  - {id: users-canary, paths: ["/users/{id}"], headers: {x-canary: "true"}, upstream: echo, rewrite: {path: /users-canary}}
                  - {id: users-prefix, paths: ["/users/*"], upstream: echo, rewrite: {path: /users-prefix}}
                  - {id: strip, paths: ["/strip/*"], upstream: echo, strip_prefix: true}
                  - {id: root, paths: ["/*"], upstream: echo, rewrite: {path: /root}}
                upstreams:
                  - id: echo
                    targets: [{url: "%s"}]
                """.formatted(target));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("GET", "api.example.com", "/users/me", "", "/host-exact/users/me"),
                Arguments.of("GET", "api.example.com:8080", "/anything", "", "/host-exact/anything"),
                Arguments.of("GET", "a.b.example.com", "/users/me", "", "/host-wild/users/me"),
                Arguments.of("GET", "other.test", "/users/me", "", "/users-exact"),
                Arguments.of("GET", "other.test", "/users/42", "", "/users-id/42"),
                Arguments.of("POST", "other.test", "/users/42", "", "/users-post"),
                Arguments.of("GET", "other.test", "/users/42", "true", "/users-canary"),
                Arguments.of("GET", "other.test", "/users/42/posts", "", "/users-prefix/42/posts"),
                Arguments.of("GET", "other.test", "/users", "", "/users-prefix"),
                Arguments.of("GET", "other.test", "/usersx", "", "/root/usersx"),
                Arguments.of("GET", "other.test", "/strip/a/b?q=1", "", "/a/b?q=1"),
                Arguments.of("GET", "other.test", "/strip", "", "/"));
    }

    @ParameterizedTest(name = "{0} {1}{2} canary={3} -> {4}")
    @MethodSource("cases")
    void requestReachesTheMostSpecificRoute(String method, String host, String path, String canary, String expected)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.url(path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Host", host);
        if (!canary.isEmpty()) {
            request.header("x-canary", canary);
        }
        HttpResponse<String> response = node.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(expected, JSON.readTree(response.body()).get("path").asText());
    }

    @Test
    void unmatchedRequestIs404WithJsonError(@TempDir Path otherDir) throws Exception {
        try (RunningNode narrow = RunningNode.start(otherDir, """
                routes:
                  - {id: only, paths: [/only], upstream: echo}
                upstreams:
                  - id: echo
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backend.port()))) {
            HttpResponse<String> response = narrow.get("/nothing-here", "X-Request-Id", "req-123");
            assertEquals(404, response.statusCode());
            assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
            JsonNode body = JSON.readTree(response.body());
            assertEquals(404, body.get("status").asInt());
            assertEquals("no_route", body.get("error").asText());
            assertEquals("req-123", body.get("request_id").asText());
            assertTrue(body.get("message").asText().contains("/nothing-here"));
        }
    }
}
