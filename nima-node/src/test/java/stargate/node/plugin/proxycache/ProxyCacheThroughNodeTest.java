package stargate.node.plugin.proxycache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.node.Node;
import stargate.node.NodeOptions;

/** proxy-cache on a real node over loopback: the tee through the proxy, and a backend that counts what reaches it. */
class ProxyCacheThroughNodeTest {
    @TempDir
    Path dir;
    private HttpServer backend;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private Node node;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            byte[] body = ("body of " + path).getBytes(StandardCharsets.UTF_8);
            switch (path) {
                case "/c/big" -> {                              // chunked, over max_body_size
                    body = "0123456789abcdef".repeat(256).getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, 0);
                }
                case "/c/no-store" -> {
                    exchange.getResponseHeaders().add("Cache-Control", "no-store");
                    exchange.sendResponseHeaders(200, body.length);
                }
                default -> exchange.sendResponseHeaders(200, body.length);
            }
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        Files.writeString(dir.resolve("stargate.yaml"), """
                routes:
                  - id: c
                    paths: ["/c/*"]
                    upstream: backend
                    plugins: {proxy-cache: {max_body_size: 1KiB}, response-transformer: {headers: {add: {X-Gw: sg}}}}
                upstreams:
                  - {id: backend, targets: [{url: "http://127.0.0.1:%d"}]}
                """.formatted(backend.getAddress().getPort()));
        node = Node.start(NodeOptions.parse(List.of("--config", dir.resolve("stargate.yaml").toString(),
                "--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--plugins-dir", dir.resolve("plugins").toString()), Map.of()));
    }

    @AfterEach
    void stop() {
        node.close();
        backend.stop(0);
    }

    private HttpResponse<String> send(String method, String path, int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return send(method, path, node.port());
    }

    private int backendHits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    @Test
    void aHitIsServedWithoutTheUpstreamAndLooksLikeTheMissThatFilledIt() throws Exception {
        HttpResponse<String> miss = send("GET", "/c/page?v=1");
        assertEquals(200, miss.statusCode());
        assertEquals("body of /c/page", miss.body());
        assertEquals("MISS", miss.headers().firstValue("X-Cache").orElse(null));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> hit = send("GET", "/c/page?v=1");
            assertEquals(200, hit.statusCode());
            assertEquals("body of /c/page", hit.body());
            assertEquals("HIT", hit.headers().firstValue("X-Cache").orElse(null));
            assertEquals("text/plain", hit.headers().firstValue("Content-Type").orElse(null));
            assertEquals(List.of("sg"), hit.headers().allValues("X-Gw"),
                    "later-phase plugins apply to a hit as to the upstream's response, once");
        }
        HttpResponse<String> head = send("HEAD", "/c/page?v=1");
        assertEquals("HIT", head.headers().firstValue("X-Cache").orElse(null));
        assertEquals("15", head.headers().firstValue("Content-Length").orElse(null), "the GET's length");
        assertEquals("", head.body());
        assertEquals(1, backendHits("/c/page"), "only the first request reached the upstream");

        assertEquals("MISS", send("GET", "/c/page?v=2").headers().firstValue("X-Cache").orElse(null));
        assertEquals(2, backendHits("/c/page"));

        String metrics = send("GET", "/metrics", node.adminPort()).body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stargate_cache_hits_total{") && l.contains("route=\"c\"")
                && l.endsWith(" 4.0")), metrics);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stargate_cache_misses_total{") && l.contains("route=\"c\"")
                && l.endsWith(" 2.0")), metrics);
    }

    @Test
    void aBodyOverTheLimitAndANoStoreResponseReachTheClientWholeAndAreNotStored() throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> big = send("GET", "/c/big");
            assertEquals(4096, big.body().length());
            assertEquals("MISS", big.headers().firstValue("X-Cache").orElse(null));
            assertEquals("body of /c/no-store", send("GET", "/c/no-store").body());
        }
        assertEquals(2, backendHits("/c/big"));
        assertEquals(2, backendHits("/c/no-store"));
    }
}
