package stargate.it.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real node process, {@code java -jar nima-node/target/stargate-node.jar node ...}, following
 * etcd ({@link #start}) or serving a config file ({@link #startStandalone}), on free loopback
 * ports, its output in {@code node-<id>.log} under the given directory. Started means its admin
 * port answers {@code /status}.
 */
public final class NodeProcess implements AutoCloseable {
    private final String id;
    private final int port;
    private final int adminPort;
    private final JavaProcess process;

    private NodeProcess(String id, int port, int adminPort, JavaProcess process) {
        this.id = id;
        this.port = port;
        this.adminPort = adminPort;
        this.process = process;
    }

    /** Starts a node following {@code endpoints} under {@code prefix} (drain timeout 1 s) and waits until its admin port answers. */
    public static NodeProcess start(String id, String endpoints, String prefix, Path dir) {
        return start(id, dir, "1s", List.of("--etcd", endpoints, "--prefix", prefix, "--node-id", id,
                "--cache-dir", dir.resolve("cache-" + id).toString()));
    }

    /** {@link #start(String, String, String, Path)} with {@code flags} after the defaults, e.g. {@code --node-labels}. */
    public static NodeProcess start(String id, String endpoints, String prefix, Path dir, List<String> flags) {
        return start(id, dir, "1s", List.of("--etcd", endpoints, "--prefix", prefix, "--node-id", id,
                "--cache-dir", dir.resolve("cache-" + id).toString()), flags, Map.of(), 0);
    }

    /** Starts a node serving {@code config} (hot-reloaded) with the given drain timeout, e.g. {@code 10s}. */
    public static NodeProcess startStandalone(String id, Path config, String drainTimeout, Path dir) {
        return start(id, dir, drainTimeout, List.of("--config", config.toString(), "--node-id", id));
    }

    /**
     * Starts {@code java -jar stargate-node.jar} with exactly {@code args} (the first is the command,
     * {@code node}) and {@code env} added, as a container would run it, and waits until {@code /status}
     * answers on {@code adminPort}. For the deployment tests, which take the args from a rendered manifest.
     */
    public static NodeProcess startWithArgs(String id, List<String> args, java.util.Map<String, String> env,
                                            int port, int adminPort, Path dir) {
        JavaProcess process = JavaProcess.start("node " + id, "nima-node", "stargate-node.jar", args, env,
                dir.resolve("node-" + id + ".log"), 0);
        NodeProcess node = new NodeProcess(id, port, adminPort, process);
        process.awaitOk(node.adminUrl("/status"));
        return node;
    }

    /**
     * Starts a node serving {@code config} with {@code flags} after the defaults (so they win, e.g.
     * {@code --access-log FILE}), under {@code ulimit -f fileSizeLimitKiB} when that is positive.
     */
    public static NodeProcess startStandalone(String id, Path config, Path dir, List<String> flags,
                                              long fileSizeLimitKiB) {
        List<String> source = new ArrayList<>(List.of("--config", config.toString(), "--node-id", id));
        return start(id, dir, "1s", source, flags, Map.of(), fileSizeLimitKiB);
    }

    /** Starts a node serving {@code config} with {@code flags} after the defaults and {@code env} added (e.g. {@code JDK_JAVA_OPTIONS}). */
    public static NodeProcess startStandalone(String id, Path config, Path dir, List<String> flags, Map<String, String> env) {
        List<String> source = new ArrayList<>(List.of("--config", config.toString(), "--node-id", id));
        return start(id, dir, "1s", source, flags, env, 0);
    }

    private static NodeProcess start(String id, Path dir, String drainTimeout, List<String> source) {
        return start(id, dir, drainTimeout, source, List.of(), Map.of(), 0);
    }

    private static NodeProcess start(String id, Path dir, String drainTimeout, List<String> source,
                                     List<String> flags, Map<String, String> env, long fileSizeLimitKiB) {
        int[] ports = JavaProcess.freePorts(3);
        List<String> args = new ArrayList<>(List.of("node"));
        args.addAll(source);
        args.addAll(List.of("--host", "127.0.0.1", "--port", Integer.toString(ports[0]),
                "--https-port", Integer.toString(ports[1]), "--admin-port", Integer.toString(ports[2]),
                "--access-log", "off", "--drain-timeout", drainTimeout));
        args.addAll(flags);
        JavaProcess process = JavaProcess.start("node " + id, "nima-node", "stargate-node.jar", args,
                env, dir.resolve("node-" + id + ".log"), fileSizeLimitKiB);
        NodeProcess node = new NodeProcess(id, ports[0], ports[2], process);
        process.awaitOk(node.adminUrl("/status"));
        return node;
    }

    public String id() {
        return id;
    }

    /** The proxy port (http). */
    public int port() {
        return port;
    }

    /** The admin port (health, {@code /status}, {@code /metrics}). */
    public int adminPort() {
        return adminPort;
    }

    /** GET on the proxy port; the status code, or -1 when the node does not answer. */
    public int get(String path) {
        return request(path).status();
    }

    /** GET on the proxy port, the whole answer. */
    public Http.Answer request(String path) {
        return Http.get("http://127.0.0.1:" + port + path);
    }

    /** GET on the proxy port with request headers (e.g. credentials), the whole answer. */
    public Http.Answer request(String path, Map<String, String> headers) {
        return Http.send("GET", "http://127.0.0.1:" + port + path, null, headers);
    }

    /** GET on the admin port (e.g. {@code /health/ready}), the whole answer. */
    public Http.Answer admin(String path) {
        return Http.get(adminUrl(path));
    }

    /** The body of {@code GET /status} on the admin port. */
    public String status() {
        return admin("/status").body();
    }

    /** The body of {@code GET /metrics} (Prometheus text). */
    public String metrics() {
        return admin("/metrics").body();
    }

    /**
     * SIGTERM (the node drains and revokes its lease) and waits up to {@code grace} for the exit.
     *
     * @return the exit code, or -1 when it still runs after {@code grace}
     */
    public int terminate(Duration grace) {
        return process.terminate(grace);
    }

    /** Sends {@code SIG<name>}, e.g. {@code USR1} (reopen the access log). */
    public void signal(String name) {
        process.signal(name);
    }

    /** SIGKILL: the node dies without revoking its lease. */
    public void kill() {
        process.kill();
    }

    /** The node's whole log so far. */
    public String log() {
        return process.log();
    }

    /** The last lines of the node's log, for failure messages. */
    public String logTail() {
        return process.logTail();
    }

    /** SIGTERM, SIGKILL after 10 s. */
    @Override
    public void close() {
        process.close();
    }

    private String adminUrl(String path) {
        return "http://127.0.0.1:" + adminPort + path;
    }
}
