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
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Real {@code etcd} processes for end-to-end tests: one member, or a statically bootstrapped cluster,
 * every member on free 127.0.0.1 client and peer ports with its own data dir under one temp dir.
 *
 * <p>Use it as an {@link AutoCloseable}: {@code try (var etcd = EtcdCluster.startCluster(3)) { ... }}, or start it in
 * {@code @BeforeAll} and {@link #close()} it in {@code @AfterAll}. {@link #startCluster(int)} returns only once every
 * member answers {@code GET /health} with {@code {"health":"true"}} (a leader is elected and a quorum read works).
 * Close destroys the processes and deletes the temp dir; a JVM shutdown hook does the same if a test run is cut
 * short. Each member's log goes to {@code member-N.log} in the temp dir, never to the test output, and the last
 * lines are put into the exception when a member fails to start.
 *
 * <p>Fault tests: {@link #stop(int...)} stops members (SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}) and
 * {@link #start(int...)} brings them back on the same ports with the same data dir, so a member rejoins with its
 * state. Stopping every member of a cluster and starting them all again in one call works too: the members wait
 * for each other to form a quorum.
 *
 * <p>Ports: each port is found by binding port 0 and releasing it. All ports of one bootstrap are held open
 * together before release, so they are distinct. Another process may still grab one in the gap before etcd binds
 * it; the bootstrap then retries with fresh ports (up to {@link #START_ATTEMPTS} times). A restarted member must
 * keep its peer URL (it is part of the cluster membership), so a collision there fails with a clear message.
 *
 * <p>Flags are those of etcd 3.4 (Debian's {@code etcd-server}); the same flags work on 3.5. Not thread-safe:
 * drive it from the test thread.
 */
public final class EtcdCluster implements AutoCloseable {
    /** Deadline for every member of one start to report healthy: a bootstrap takes ~1-2 s, an election ~1 s. */
    static final Duration HEALTHY_TIMEOUT = Duration.ofSeconds(30);
    /** Grace after SIGTERM before SIGKILL; etcd usually exits within a few hundred ms. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Fresh-port retries of a bootstrap when another process took one of the chosen ports first. */
    static final int START_ATTEMPTS = 3;
    /** Lines of a member's log shown in a start failure. */
    static final int LOG_TAIL_LINES = 40;
    /** Between health polls. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final String INSTALL_HINT = "install it with: apt-get install -y etcd-server (as root)";

    private final Path binary;
    private final Path dir;
    private final List<Member> members;
    private final Thread shutdownHook;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private EtcdCluster(Path binary, Path dir, List<Member> members) {
        this.binary = binary;
        this.dir = dir;
        this.members = members;
        this.shutdownHook = new Thread(this::destroyAll, "etcd-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts one etcd member and waits until it is healthy. */
    public static EtcdCluster startSingle() {
        return startCluster(1);
    }

    /**
     * Starts {@code size} members bootstrapped statically as one cluster and waits until all are healthy.
     *
     * @throws IllegalStateException when etcd is not installed or a member does not become healthy in time
     *                               (the message carries the member's last log lines)
     */
    public static EtcdCluster startCluster(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one member, got " + size);
        }
        Path binary = findOnPath("etcd", System.getenv("PATH"));
        for (int attempt = 1; ; attempt++) {
            EtcdCluster cluster = new EtcdCluster(binary, createTempDir(), newMembers(size));
            try {
                cluster.start(IntStream.range(0, size).toArray());
                return cluster;
            } catch (PortTakenException e) {
                cluster.close();
                if (attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("etcd could not bind its ports in " + START_ATTEMPTS
                            + " attempts", e);
                }
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    /** Client URL of every member ({@code http://127.0.0.1:PORT}), in member order. */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /** Client URL of one member. */
    public String clientUrl(int member) {
        return members.get(member).clientUrl();
    }

    /** All client URLs comma-separated, as {@code --etcd} takes them. */
    public String endpoints() {
        return String.join(",", clientUrls());
    }

    /** Whether the member's process is alive. */
    public boolean isRunning(int member) {
        return members.get(member).isRunning();
    }

    /**
     * (Re)starts the given members on their ports and data dirs and waits until every one of them is healthy.
     * Members already running are left alone; a member whose process died on its own is started again.
     */
    public void start(int... memberIndexes) {
        List<Member> starting = select(memberIndexes).stream().filter(m -> !m.isRunning()).toList();
        for (Member member : starting) {
            member.process = launch(member);
        }
        awaitHealthy(starting);
    }

    /**
     * Waits until the given running members are healthy: after stopping the leader, the survivors answer
     * {@code /health} again once they have elected a new one.
     */
    public void awaitHealthy(int... memberIndexes) {
        awaitHealthy(select(memberIndexes));
    }

    /** Stops the given members: SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}. Their data dirs stay. */
    public void stop(int... memberIndexes) {
        select(memberIndexes).forEach(Member::stop);
    }

    /** Stops every member and deletes the temp dir with data and logs. Safe to call more than once. */
    @Override
    public void close() {
        destroyAll();
        http.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running or about to: it does the same work
        }
    }

    @Override
    public String toString() {
        return "EtcdCluster" + clientUrls();
    }

    /**
     * Finds an executable on a PATH-style list, or fails with a message that says how to install it: the
     * end-to-end tests must not pass by skipping when etcd is missing.
     */
    static Path findOnPath(String name, String pathList) {
        String searched = pathList == null ? "" : pathList;
        return Stream.of(searched.split(":"))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "'" + name + "' not found on PATH (" + searched + "): the end-to-end tests need a real etcd; "
                        + INSTALL_HINT));
    }

    /** The temp dir holding the members' data dirs and logs. */
    Path dir() {
        return dir;
    }

    private synchronized void destroyAll() {
        members.forEach(Member::stop);
        deleteRecursively(dir);
    }

    private List<Member> select(int... memberIndexes) {
        return IntStream.of(memberIndexes).mapToObj(members::get).toList();
    }

    private static List<Member> newMembers(int size) {
        int[] ports = freePorts(2 * size);
        List<Member> members = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            members.add(new Member("m" + i, ports[2 * i], ports[2 * i + 1]));
        }
        return members;
    }

    private Process launch(Member member) {
        String initialCluster = members.stream()
                .map(m -> m.name + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        ProcessBuilder builder = new ProcessBuilder(
                binary.toString(),
                "--name", member.name,
                "--data-dir", dataDir(member).toString(),
                "--listen-client-urls", member.clientUrl(),
                "--advertise-client-urls", member.clientUrl(),
                "--listen-peer-urls", member.peerUrl(),
                "--initial-advertise-peer-urls", member.peerUrl(),
                // ignored once the data dir holds a WAL, so a restart reuses the same flags
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "stargate-it-" + dir.getFileName(),
                // 3.4 defaults to the deprecated capnslog logger and warns about it
                "--logger", "zap",
                "--log-outputs", "stderr");
        // etcd reads every ETCD_* variable as a flag: keep the caller's environment from changing the member
        builder.environment().keySet().removeIf(key -> key.startsWith("ETCD_"));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(member).toFile()));
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
    }

    /**
     * Polls every member's {@code /health} until all are healthy, failing fast when one exits. Bounded by
     * {@link #HEALTHY_TIMEOUT} for the whole group, so a cluster restarting from zero can elect a leader.
     */
    private void awaitHealthy(List<Member> starting) {
        long deadline = System.nanoTime() + HEALTHY_TIMEOUT.toNanos();
        List<Member> pending = new ArrayList<>(starting);
        while (!pending.isEmpty()) {
            for (Member member : List.copyOf(pending)) {
                if (member.process == null) {
                    throw new IllegalStateException("etcd member " + member.name + " is stopped: start it first");
                }
                if (!member.process.isAlive()) {
                    throw startFailure(member, "exited with status " + member.process.exitValue());
                }
                if (isHealthy(member)) {
                    pending.remove(member);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw startFailure(pending.getFirst(), "not healthy after " + HEALTHY_TIMEOUT.toSeconds() + " s");
            }
            sleep(POLL_INTERVAL);
        }
    }

    private boolean isHealthy(Member member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(1))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().replace(" ", "").contains("\"health\":\"true\"");
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    private RuntimeException startFailure(Member member, String what) {
        String log = logTail(member);
        String message = "etcd member " + member.name + " (" + member.clientUrl() + ") " + what
                + "; last lines of " + logFile(member) + ":\n" + log;
        if (!member.isRunning() && log.contains("address already in use")) {
            return new PortTakenException(message);
        }
        return new IllegalStateException(message);
    }

    private String logTail(Member member) {
        try {
            List<String> lines = Files.readAllLines(logFile(member), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private Path dataDir(Member member) {
        return dir.resolve(member.name + ".etcd");
    }

    private Path logFile(Member member) {
        return dir.resolve("member-" + member.name + ".log");
    }

    /** Binds {@code count} ephemeral loopback ports at once, so they are distinct, then releases them. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free loopback ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // a socket that fails to close holds no port we need
                }
            }
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("stargate-etcd-" + UUID.randomUUID().toString().substring(0, 8) + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for etcd", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    /** One member: fixed name and ports for its whole life, a process while it runs. */
    private static final class Member {
        private final String name;
        private final int clientPort;
        private final int peerPort;
        private Process process;

        private Member(String name, int clientPort, int peerPort) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
        }

        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }

        boolean isRunning() {
            return process != null && process.isAlive();
        }

        void stop() {
            if (process == null) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** A member could not bind a port another process took after we released it: retry with fresh ports. */
    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
