package stargate.model.tool;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd ({@code /usr/bin/etcd}, or {@code $ETCD_BIN}) on free loopback ports with a temp data
 * dir, written to through its JSON gateway: model/ has no etcd client, and the tool under test reads
 * through the same gateway. (mp-controller's tests have a fuller helper; test sources are not shared
 * across modules.)
 */
final class LocalEtcd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private final Path dataDir;
    private final String url;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LocalEtcd(Path dataDir, int clientPort, int peerPort) throws IOException {
        this.dataDir = dataDir;
        this.url = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        this.process = new ProcessBuilder(List.of(System.getenv().getOrDefault("ETCD_BIN", "/usr/bin/etcd"),
                "--name", "test", "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", url, "--advertise-client-urls", url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer))
                .redirectErrorStream(true).redirectOutput(dataDir.resolve("etcd.log").toFile()).start();
    }

    static LocalEtcd start() throws IOException, InterruptedException {
        LocalEtcd etcd = new LocalEtcd(Files.createTempDirectory("stargate-model-etcd"), freePort(), freePort());
        etcd.waitHealthy();
        return etcd;
    }

    String url() {
        return url;
    }

    void put(String key, String value) throws IOException, InterruptedException {
        Base64.Encoder b64 = Base64.getEncoder();
        String body = "{\"key\": \"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\", \"value\": \""
                + b64.encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("put " + key + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    private void waitHealthy() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + "; see " + dataDir.resolve("etcd.log"));
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "/health"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("etcd not healthy within " + START_TIMEOUT);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A loopback port nothing listens on (at the time of asking). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
