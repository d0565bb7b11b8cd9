package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's load test (SPEC §12, §14): 2,000 slowloris connections (heads trickled a byte a second)
 * and 500 slow-body POSTs (a byte a second of a body declared 1 MB) held against one node while a
 * well-behaved client sends a fixed number of requests. The well-behaved client gets no error, its p50
 * stays near and its p99 within a generous bound of its figures without the attack, measured just
 * before in the same run; the node's platform threads and heap stay bounded. Sizes can be raised for the bench
 * ({@code -Dslowloris=… -Dslowbodies=…}; bench/slow-clients.sh).
 */
class SlowClientsLoadTest {
    private static final int SLOWLORIS = Integer.getInteger("slowloris", 2_000);
    private static final int SLOW_BODIES = Integer.getInteger("slowbodies", 500);
    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = Integer.getInteger("requests", 300);
    /** Attack sockets per source address: under the default --max-connections-per-ip (1,000). */
    private static final int PER_ADDRESS = 500;
    /**
     * p99 under attack may be this many times the quiet p99, or {@link #P99_SLACK_MS} more: on a CI box
     * shared with other builds a scheduling stall of a few hundred ms lands in one run's tail and not the
     * other's. A client starved by the attack shows as errors (10 s timeouts) and in the p50, bounded tightly.
     */
    private static final double P99_FACTOR = Double.parseDouble(System.getProperty("p99factor", "4"));
    private static final long P99_SLACK_MS = Long.getLong("p99slackms", 500);

    @TempDir
    Path dir;

    @Test
    void wellBehavedClientIsServedWhileThousandsOfSlowClientsHoldConnections() throws Exception {
        WebServer backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
        List<Socket> attack = new ArrayList<>();
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backend.port()),
                // longer than the test: every attacker is held for the whole measured run
                "--client-header-timeout", "60s", "--client-body-timeout", "60s", "--client-timeout", "60s");
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(5)).build()) {
            load(node, client);     // warm-up (JIT, pooled connections)
            long[] quiet = load(node, client);
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            long heapBefore = usedHeapAfterGc();

            for (int i = 0; i < SLOWLORIS; i++) {
                attack.add(open(node, 2 + i / PER_ADDRESS, "GET /slowloris/" + i + " HTTP/1.1\r\nHost: a\r\nX-Slow: "));
            }
            for (int i = 0; i < SLOW_BODIES; i++) {
                attack.add(open(node, 2 + SLOWLORIS / PER_ADDRESS + 1 + i / PER_ADDRESS,
                        "POST /slowbody/" + i + " HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\nx"));
            }
            Thread trickler = Thread.ofPlatform().daemon().start(() -> trickle(attack));
            try {
                Thread.sleep(2_000);    // the node has taken every attack connection in
                long[] underAttack = load(node, client);
                int threadsDuring = ManagementFactory.getThreadMXBean().getThreadCount();
                long heapDuring = usedHeapAfterGc();
                String metrics = node.adminGet("/metrics").body();

                long quietP99 = percentile(quiet, 0.99);
                long attackP99 = percentile(underAttack, 0.99);
                System.out.printf("slow clients: %d slowloris + %d slow bodies; well-behaved p50 %.2f -> %.2f ms,"
                                + " p99 %.2f -> %.2f ms (%.2fx), max %.2f -> %.2f ms; platform threads %d -> %d; heap %d -> %d MiB%n",
                        SLOWLORIS, SLOW_BODIES, percentile(quiet, 0.5) / 1e6, percentile(underAttack, 0.5) / 1e6,
                        quietP99 / 1e6, attackP99 / 1e6, (double) attackP99 / quietP99, quiet[quiet.length - 1] / 1e6,
                        underAttack[underAttack.length - 1] / 1e6, threadsBefore, threadsDuring,
                        heapBefore >> 20, heapDuring >> 20);
                long quietP50 = percentile(quiet, 0.5);
                assertTrue(percentile(underAttack, 0.5) <= 2 * quietP50 + 5_000_000L, "p50 under attack "
                        + percentile(underAttack, 0.5) / 1e6 + " ms vs " + quietP50 / 1e6 + " ms quiet");
                assertTrue(attackP99 <= Math.max(P99_FACTOR * quietP99, quietP99 + P99_SLACK_MS * 1_000_000L),
                        "p99 under attack " + attackP99 / 1e6 + " ms vs " + quietP99 / 1e6 + " ms quiet");
                assertTrue(threadsDuring - threadsBefore < 50, "connections cost no platform thread each: "
                        + threadsBefore + " -> " + threadsDuring);
                long perConnection = Math.max(0, heapDuring - heapBefore) / attack.size();
                assertTrue(perConnection < 64 * 1024, "heap per held connection " + perConnection + " B");
                assertTrue(metrics.contains("stargate_rejected_total{reason=\"max_connections_per_ip\"} 0"),
                        "no attacker was over a limit, so all were held: " + metrics.lines()
                                .filter(l -> l.startsWith("stargate_rejected_total")).toList());
            } finally {
                trickler.interrupt();
                trickler.join(5_000);
            }
        } finally {
            for (Socket socket : attack) {
                socket.close();
            }
            backend.stop();
        }
    }

    /** Opens a connection from 127.0.0.{@code host} and writes the start of a request it never finishes. */
    private static Socket open(RunningNode node, int host, String start) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + host), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", node.node.port()), 10_000);
        socket.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** One byte a second on every attack socket (a header value or body byte), until interrupted. */
    private static void trickle(List<Socket> attack) {
        while (!Thread.currentThread().isInterrupted()) {
            for (Socket socket : attack) {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write('x');
                } catch (IOException closed) {
                    // the node cut it: counted by the assertions, not here
                }
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** {@value #CLIENTS} clients, each sending its requests one after the other; every latency in ns, sorted. */
    private static long[] load(RunningNode node, HttpClient client) throws InterruptedException {
        long[] latencies = new long[CLIENTS * REQUESTS_PER_CLIENT];
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int first = c * REQUESTS_PER_CLIENT;
            clients.add(Thread.ofVirtual().start(() -> {
                HttpRequest request = HttpRequest.newBuilder(node.url("/legit")).timeout(Duration.ofSeconds(10)).build();
                for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            failures.merge(response.statusCode() + " " + response.body(), 1, Integer::sum);
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.merge(e.toString(), 1, Integer::sum);
                    }
                    latencies[first + i] = System.nanoTime() - start;
                }
            }));
        }
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(60));
        }
        assertEquals(Map.of(), failures, "the well-behaved client had errors");
        Arrays.sort(latencies);
        return latencies;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
