package stargate.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import stargate.node.Node;
import stargate.node.NodeOptions;

/** A real node in etcd mode on loopback ports, and what tests ask it and etcd. */
final class EtcdNodeHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    final Node node;

    private EtcdNodeHarness(Node node) {
        this.node = node;
    }

    static EtcdNodeHarness start(String etcdUrl, String prefix, String nodeId, Path cacheDir, String... moreFlags) {
        List<String> flags = new ArrayList<>(List.of("--etcd", etcdUrl, "--prefix", prefix, "--node-id", nodeId,
                "--host", "127.0.0.1", "--port", "0", "--https-port", "0", "--admin-port", "0",
                "--access-log", "off", "--drain-timeout", "2s"));
        if (cacheDir != null) {
            flags.addAll(List.of("--cache-dir", cacheDir.toString()));
        }
        flags.addAll(List.of(moreFlags));
        return new EtcdNodeHarness(Node.start(NodeOptions.parse(flags, Map.of())));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode status() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.adminPort() + "/status")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** The node's {@code /metrics} (Prometheus text). */
    String metrics() throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A counter or gauge without labels from the node's {@code /metrics}. */
    double metric(String name) throws IOException, InterruptedException {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError(name + " is not in /metrics");
    }

    @Override
    public void close() {
        node.close();
    }

    /** Puts a key; returns the revision it was written at. */
    static long put(Client etcd, String key, String value) throws Exception {
        return etcd.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    }

    static long delete(Client etcd, String key) throws Exception {
        return etcd.getKVClient().delete(bytes(key)).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    }

    /** The value of a key, or null. */
    static String get(Client etcd, String key) throws Exception {
        List<KeyValue> kvs = etcd.getKVClient().get(bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(UTF_8);
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }

    /** Waits (bounded) until {@code check} holds. */
    static void eventually(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    interface Check {
        void run() throws Exception;
    }
}
