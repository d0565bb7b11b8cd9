package stargate.node;

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

/** A real node on loopback ports, serving a YAML config from a temp file, for tests. */
final class RunningNode implements AutoCloseable {
    final Path configFile;
    final Node node;
    /** HTTP/1.1 pinned: the JDK client's default, HTTP/2, upgrades to h2c (HTTP/2 has its own tests: Http2FromClientsTest). */
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RunningNode(Path configFile, Node node) {
        this.configFile = configFile;
        this.node = node;
    }

    static RunningNode start(Path dir, String yaml, String... extraFlags) throws IOException {
        return start(dir, yaml, Map.of(), extraFlags);
    }

    /** @param env the process environment the node sees ({@code OTEL_*}, {@code STARGATE_*}) */
    static RunningNode start(Path dir, String yaml, Map<String, String> env, String... extraFlags) throws IOException {
        Path file = dir.resolve("stargate.yaml");
        Files.writeString(file, yaml);
        List<String> flags = new java.util.ArrayList<>(List.of("--config", file.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off", "--drain-timeout", "5s"));
        flags.addAll(List.of(extraFlags));
        return new RunningNode(file, Node.start(NodeOptions.parse(flags, env)));
    }

    /** Replaces the config file atomically (as a careful operator or a ConfigMap update would). */
    void rewrite(String yaml) throws IOException {
        Path tmp = configFile.resolveSibling("stargate.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    URI url(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + node.port() + pathAndQuery);
    }

    URI admin(String path) {
        return URI.create("http://127.0.0.1:" + node.adminPort() + path);
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(pathAndQuery)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (bounded) until {@code check} holds, e.g. after a config file change. */
    static void eventually(Duration timeout, ThrowingCheck check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        AssertionError last = null;
        while (System.nanoTime() < deadline) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                last = e;
                Thread.sleep(50);
            }
        }
        throw last == null ? new AssertionError("condition not met within " + timeout) : last;
    }

    interface ThrowingCheck {
        void run() throws Exception;
    }

    @Override
    public void close() {
        node.close();
    }

    /** Reads one response with a Content-Length body (the connection stays open: keep-alive). */
    static String readResponse(java.io.InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = head.toString().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
        return head + new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
    }
}
