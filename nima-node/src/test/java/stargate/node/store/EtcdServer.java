package stargate.node.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real etcd member on free loopback ports for node-module tests (the same approach as
 * it-tests' {@code EtcdCluster}, reduced to one member): {@link #stop()} and {@link #start()} keep
 * its ports and data dir, so a restart keeps its keys. Fails (never skips) when etcd is missing.
 */
final class EtcdServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdServer(Path dir, int clientPort, int peerPort) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    static EtcdServer startNew() throws IOException {
        int[] ports = freePorts();
        EtcdServer server = new EtcdServer(Files.createTempDirectory("stargate-node-etcd-"), ports[0], ports[1]);
        server.start();
        return server;
    }

    String url() {
        return "http://127.0.0.1:" + clientPort;
    }

    void start() {
        String peer = "http://127.0.0.1:" + peerPort;
        ProcessBuilder builder = new ProcessBuilder("etcd", "--name", "m0", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", url(), "--advertise-client-urls", url(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "m0=" + peer, "--logger", "zap", "--log-outputs", "stderr");
        builder.environment().keySet().removeIf(key -> key.startsWith("ETCD_"));
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run etcd (install it: apt-get install -y etcd-server)", e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("etcd did not start; see " + dir.resolve("etcd.log"));
            }
            sleep(50);
        }
    }

    /** SIGKILL: the member vanishes as in a crash (its data dir stays). */
    void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static int[] freePorts() {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
