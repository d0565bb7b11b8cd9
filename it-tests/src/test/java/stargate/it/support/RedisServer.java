package stargate.it.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code redis-server} (or Sentinel) on a free loopback port, no persistence, its log in
 * {@code redis-<port>.log} under the given directory. {@link #kill()} and {@link #start()} keep the
 * port, so clients find it again after a restart. Fails (never skips) when redis-server is missing.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final List<String> args;
    private Process process;

    private RedisServer(Path dir, int port, List<String> args) {
        this.dir = dir;
        this.port = port;
        this.args = List.copyOf(args);
    }

    /** A plain server, started. */
    public static RedisServer start(Path dir) {
        return start(dir, port -> List.of("--port", Integer.toString(port)));
    }

    /**
     * A server started with the args {@code argsForPort} gives for its port (after the common ones),
     * e.g. {@code --port 0 --tls-port PORT ...} for TLS only, or {@code --replicaof} for a replica.
     */
    public static RedisServer start(Path dir, java.util.function.IntFunction<List<String>> argsForPort) {
        int port = JavaProcess.freePorts(1)[0];
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--logfile", dir.resolve("redis-" + port + ".log").toString()));
        args.addAll(argsForPort.apply(port));
        RedisServer server = new RedisServer(dir, port, args);
        server.start();
        return server;
    }

    /**
     * A Sentinel watching the primary on {@code primaryPort} under the name {@code master}, with a quorum
     * of 2, declaring it down after 1 s of silence.
     */
    public static RedisServer sentinel(Path dir, String master, int primaryPort) throws IOException {
        int port = JavaProcess.freePorts(1)[0];
        Path conf = dir.resolve("sentinel-" + port + ".conf");   // Sentinel rewrites it: one file each
        java.nio.file.Files.writeString(conf, String.join("\n",
                "port " + port, "bind 127.0.0.1", "dir " + dir, "logfile " + dir.resolve("redis-" + port + ".log"),
                "sentinel monitor " + master + " 127.0.0.1 " + primaryPort + " 2",
                "sentinel down-after-milliseconds " + master + " 1000",
                "sentinel failover-timeout " + master + " 5000", ""));
        RedisServer server = new RedisServer(dir, port, List.of(conf.toString(), "--sentinel"));
        server.start();
        return server;
    }

    public int port() {
        return port;
    }

    /** (Re)starts the server on its port and waits until it accepts connections. */
    public void start() {
        List<String> command = new ArrayList<>(List.of("redis-server"));
        command.addAll(args);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".out").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (install it: apt-get install -y redis-server)", e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis-" + port + ".log"));
            }
            pause();
        }
    }

    /** SIGKILL: Redis vanishes as in a crash. */
    public void kill() {
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

    /** Runs {@code redis-cli -p PORT args...} (plain servers only) and returns its output, trimmed. */
    public String cli(String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        try {
            Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!cli.waitFor(10, TimeUnit.SECONDS)) {
                cli.destroyForcibly();
                throw new IllegalStateException("redis-cli " + String.join(" ", args) + " did not finish");
            }
            return new String(cli.getInputStream().readAllBytes()).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
