package stargate.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Config convergence (SPEC §12): the time from an etcd write (the put returning) to every node
 * serving it, and what one route change costs a node that holds many routes.
 *
 * <p>Starts a real etcd (from PATH) and two node processes ({@code nima-node/target/stargate-node.jar},
 * {@code --etcd}) on loopback, preloads {@code --routes} routes (transactions of 128 puts), then
 * makes {@code --writes} writes, each adding one route, and polls both nodes' proxy ports until
 * both answer 200 for it. Prints p50/p90/p99/max of write-to-served, the put latency, and the
 * nodes' own median {@code resolve_ms} (validation) and {@code compile_ms} (snapshot build) from
 * their logs. Writes are sequential: each one is measured on an idle system.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -cp bench/target/stargate-bench.jar stargate.bench.ConfigConvergence                          # 200 writes, 2 nodes
 * java -cp bench/target/stargate-bench.jar stargate.bench.ConfigConvergence --routes 100000 --writes 20 --node-heap 3g
 * </pre>
 */
public final class ConfigConvergence {
    private static final String PREFIX = "/stargate";
    private static final int TXN_OPS = 128;
    private static final Duration POLL_PAUSE = Duration.ofNanos(250_000);
    private static final Duration SERVE_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern RESOLVE_MS = Pattern.compile("event=etcd_changes_resolved .*resolve_ms=(\\d+)");
    private static final Pattern COMPILE_MS = Pattern.compile("event=config_applied .*compile_ms=(\\d+)");

    private ConfigConvergence() {
    }

    public static void main(String[] args) throws Exception {
        int routes = intArg(args, "--routes", 0);
        int writes = intArg(args, "--writes", 200);
        int warmup = intArg(args, "--warmup", 20);
        String heap = stringArg(args, "--node-heap", "1g");
        Path jar = Path.of(stringArg(args, "--node-jar", "nima-node/target/stargate-node.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: mvn -q -pl nima-node -am package -DskipTests");
        }
        Path dir = Files.createTempDirectory("stargate-convergence-");
        List<Process> processes = new ArrayList<>();
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        backend.start();
        try {
            int[] etcdPorts = freePorts(2);
            String etcdUrl = "http://127.0.0.1:" + etcdPorts[0];
            processes.add(startEtcd(dir, etcdPorts));
            try (Client etcd = Client.builder().endpoints(etcdUrl).build()) {
                put(etcd, "upstreams/echo", "{\"id\": \"echo\", \"targets\": [{\"url\": \"http://127.0.0.1:"
                        + backend.getAddress().getPort() + "\"}]}");
                long loadStart = System.nanoTime();
                preload(etcd, routes);
                System.out.printf("preloaded %,d routes in %.1f s%n", routes, (System.nanoTime() - loadStart) / 1e9);

                List<Integer> proxyPorts = new ArrayList<>();
                for (int n = 1; n <= 2; n++) {
                    int[] ports = freePorts(2);
                    processes.add(startNode(jar, dir, "n" + n, etcdUrl, ports, heap));
                    proxyPorts.add(ports[0]);
                }
                String last = routes == 0 ? null : "/r/" + (routes - 1);
                for (int port : proxyPorts) {
                    awaitServed(port, last == null ? "/none" : last, last == null ? 404 : 200, Duration.ofMinutes(5));
                }
                for (int i = 0; i < warmup; i++) {
                    measure(etcd, proxyPorts, "w" + i);
                }
                long[] served = new long[writes];
                long[] putLatency = new long[writes];
                for (int i = 0; i < writes; i++) {
                    long[] sample = measure(etcd, proxyPorts, "c" + i);
                    putLatency[i] = sample[0];
                    served[i] = sample[1];
                }
                report(routes, writes, served, putLatency, dir);
            }
        } finally {
            backend.stop(0);
            processes.reversed().forEach(ConfigConvergence::stop);
            deleteRecursively(dir);
        }
    }

    /** One write: returns {put latency, put-returned-to-both-nodes-serving} in nanoseconds. */
    private static long[] measure(Client etcd, List<Integer> proxyPorts, String id) throws Exception {
        long start = System.nanoTime();
        put(etcd, "routes/" + id, "{\"id\": \"" + id + "\", \"paths\": [\"/c/" + id + "\"], \"upstream\": \"echo\"}");
        long written = System.nanoTime();
        for (int port : proxyPorts) {
            awaitServed(port, "/c/" + id, 200, SERVE_TIMEOUT);
        }
        return new long[] {written - start, System.nanoTime() - written};
    }

    private static void report(int routes, int writes, long[] served, long[] putLatency, Path dir) throws IOException {
        Arrays.sort(served);
        Arrays.sort(putLatency);
        System.out.printf("routes=%,d writes=%d nodes=2%n", routes, writes);
        System.out.printf("write -> both nodes serving: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                ms(pct(served, 50)), ms(pct(served, 90)), ms(pct(served, 99)), ms(served[served.length - 1]));
        System.out.printf("put latency: p50 %.2f ms, p99 %.2f ms%n", ms(pct(putLatency, 50)), ms(pct(putLatency, 99)));
        List<Long> resolve = new ArrayList<>();
        List<Long> compile = new ArrayList<>();
        try (Stream<Path> logs = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("node-"))) {
            for (Path log : logs.toList()) {
                for (String line : Files.readAllLines(log, UTF_8)) {
                    collect(RESOLVE_MS.matcher(line), resolve);
                    collect(COMPILE_MS.matcher(line), compile);
                }
            }
        }
        System.out.printf("on the nodes (median of every apply, preload included): resolve_ms %d, compile_ms %d%n",
                median(resolve), median(compile));
    }

    private static void collect(Matcher m, List<Long> into) {
        if (m.find()) {
            into.add(Long.parseLong(m.group(1)));
        }
    }

    private static long median(List<Long> values) {
        return values.isEmpty() ? -1 : values.stream().sorted().toList().get(values.size() / 2);
    }

    private static long pct(long[] sorted, int percentile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void preload(Client etcd, int routes) throws Exception {
        for (int from = 0; from < routes; from += TXN_OPS) {
            Txn txn = etcd.getKVClient().txn();
            List<Op> puts = new ArrayList<>();
            for (int i = from; i < Math.min(routes, from + TXN_OPS); i++) {
                puts.add(Op.put(key("routes/r" + i), value("{\"id\": \"r" + i + "\", \"paths\": [\"/r/" + i
                        + "\"], \"upstream\": \"echo\"}"), PutOption.DEFAULT));
            }
            txn.Then(puts.toArray(Op[]::new)).commit().get(30, TimeUnit.SECONDS);
        }
    }

    private static void put(Client etcd, String key, String spec) throws Exception {
        etcd.getKVClient().put(key(key), value(spec)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence key(String key) {
        return ByteSequence.from(PREFIX + "/" + key, UTF_8);
    }

    private static ByteSequence value(String spec) {
        return ByteSequence.from("{\"meta\": {}, \"spec\": " + spec + "}", UTF_8);
    }

    /**
     * Polls every {@link #POLL_PAUSE} plus the poll's own round trip (~0.2 ms on loopback): that
     * bounds the resolution, and the pause keeps the poller from starving the nodes of CPU.
     */
    private static void awaitServed(int port, String path, int status, Duration timeout) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == status) {
                    return;
                }
                LockSupport.parkNanos(POLL_PAUSE.toNanos());
            } catch (IOException notListeningYet) {
                Thread.sleep(100);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("port " + port + " did not answer " + status + " for " + path);
            }
        }
    }

    private static Process startEtcd(Path dir, int[] ports) throws IOException {
        String client = "http://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[1];
        ProcessBuilder builder = new ProcessBuilder("etcd", "--name", "bench", "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=" + peer,
                "--logger", "zap", "--log-outputs", "stderr");
        builder.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
        return builder.redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
    }

    private static Process startNode(Path jar, Path dir, String id, String etcdUrl, int[] ports, String heap)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + heap, "-Xmx" + heap, "-jar", jar.toString(), "node", "--etcd", etcdUrl, "--prefix", PREFIX,
                "--node-id", id, "--host", "127.0.0.1", "--port", Integer.toString(ports[0]),
                "--admin-port", Integer.toString(ports[1]), "--access-log", "off");
        builder.environment().keySet().removeIf(k -> k.startsWith("STARGATE_"));
        return builder.redirectErrorStream(true).redirectOutput(dir.resolve("node-" + id + ".log").toFile()).start();
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
