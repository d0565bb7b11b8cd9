package stargate.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real node process, {@code java -jar nima-node/target/stargate-node.jar node --etcd ...}, on free
 * loopback ports, its output in {@code node-<id>.log} under the given directory. The jar comes
 * from the reactor build (nima-node builds before it-tests); a missing jar fails with the command
 * that builds it.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String id;
    private final int port;
    private final int adminPort;
    private final Path log;
    private Process process;

    private NodeProcess(String id, int port, int adminPort, Path log) {
        this.id = id;
        this.port = port;
        this.adminPort = adminPort;
        this.log = log;
    }

    /** Starts a node following {@code endpoints} under {@code prefix} and waits until its admin port answers. */
    public static NodeProcess start(String id, String endpoints, String prefix, Path dir) {
        Path jar = Path.of("..", "nima-node", "target", "stargate-node.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with mvn -pl nima-node -am package -DskipTests");
        }
        int[] ports = freePorts(3);
        NodeProcess node = new NodeProcess(id, ports[0], ports[2], dir.resolve("node-" + id + ".log"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString(),
                "node", "--etcd", endpoints, "--prefix", prefix, "--node-id", id,
                "--host", "127.0.0.1", "--port", Integer.toString(ports[0]), "--https-port", Integer.toString(ports[1]),
                "--admin-port", Integer.toString(ports[2]), "--access-log", "off",
                "--cache-dir", dir.resolve("cache-" + id).toString(), "--drain-timeout", "1s"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("STARGATE_"));
        try {
            node.process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        node.awaitAdmin();
        return node;
    }

    public String id() {
        return id;
    }

    /** GET on the proxy port; the status code, or -1 when the node does not answer. */
    public int get(String path) {
        return send(port, path).statusCode();
    }

    /** The body of {@code GET /status} on the admin port. */
    public String status() {
        return send(adminPort, "/status").body();
    }

    /** The body of {@code GET /metrics} (Prometheus text). */
    public String metrics() {
        return send(adminPort, "/metrics").body();
    }

    /** SIGKILL: the node dies without revoking its lease. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the node's log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (the node drains and revokes its lease), SIGKILL after 10 s. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitAdmin() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + id + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (send(adminPort, "/status").statusCode() == 200) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("node " + id + " did not answer on its admin port:\n" + logTail());
    }

    private static Answer send(int port, String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "");
        }
    }

    private record Answer(int statusCode, String body) {
    }

    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing held
                }
            }
        }
    }
}
