package stargate.node.plugin.proxycache;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.sun.net.httpserver.HttpServer;

import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * Run by {@link ProxyCacheMemoryTest} in a JVM of its own with {@code -Xmx256m}: a node whose route has
 * proxy-cache with its defaults (1MiB bodies, 10,000 entries, 64MiB), fed {@value #REQUESTS} distinct
 * query strings whose upstream answers are 1 MiB each (half with a length, half chunked), four at a time.
 * Prints {@code held_bytes=N} (the route's {@code stargate_cache_bytes} gauge); exits non-zero on any
 * failure, and at once on an OutOfMemoryError ({@code -XX:+ExitOnOutOfMemoryError}).
 */
public final class ProxyCacheSmallHeapMain {
    static final int REQUESTS = 300;
    static final int BODY_BYTES = 1 << 20;

    private ProxyCacheSmallHeapMain() {
    }

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.exit(1);
        }
        System.exit(0);     // whatever threads the node or the client left behind
    }

    private static void run() throws Exception {
        byte[] body = new byte[BODY_BYTES];
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", exchange -> {
            boolean chunked = exchange.getRequestURI().getQuery().hashCode() % 2 != 0;
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, chunked ? 0 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        Path dir = Files.createTempDirectory("proxy-cache-heap");
        Files.writeString(dir.resolve("stargate.yaml"), """
                routes:
                  - {id: c, paths: ["/c/*"], upstream: backend, plugins: {proxy-cache: {}}}
                upstreams:
                  - {id: backend, targets: [{url: "http://127.0.0.1:%d"}]}
                """.formatted(backend.getAddress().getPort()));
        try (Node node = Node.start(NodeOptions.parse(List.of("--config", dir.resolve("stargate.yaml").toString(),
                "--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off",
                "--plugins-dir", dir.resolve("plugins").toString()), Map.of()));
             var clients = Executors.newFixedThreadPool(4)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String path = "/c/blob?client-chosen=" + i;
                answers.add(clients.submit(() -> {
                    HttpResponse<byte[]> answer = client.send(get(node.port(), path), HttpResponse.BodyHandlers.ofByteArray());
                    return answer.statusCode() + " " + answer.body().length + " "
                            + answer.headers().firstValue("X-Cache").orElse("-");
                }));
            }
            for (Future<String> answer : answers) {
                expect("200 " + BODY_BYTES + " MISS", answer.get());
            }
            expect("HIT", client.send(get(node.port(), "/c/blob?client-chosen=" + (REQUESTS - 1)),
                    HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Cache").orElse("-"));
            String metrics = client.send(get(node.adminPort(), "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
            String gauge = metrics.lines().filter(l -> l.startsWith(ProxyCachePlugin.HELD_BYTES + "{")
                    && l.contains("route=\"c\"")).findFirst().orElseThrow(() -> new AssertionError("no gauge in " + metrics));
            System.out.println("held_bytes=" + (long) Double.parseDouble(gauge.substring(gauge.lastIndexOf(' ') + 1)));
        } finally {
            backend.stop(0);
        }
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build();
    }

    private static void expect(String expected, String actual) {
        if (!expected.equals(actual)) {
            throw new AssertionError("expected " + expected + ", got " + actual);
        }
    }
}
