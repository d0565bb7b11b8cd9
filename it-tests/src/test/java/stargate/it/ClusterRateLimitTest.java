package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.NodeProcess;
import stargate.it.support.RedisServer;

/**
 * {@code rate-limit} with {@code policy: cluster} (SPEC §15) across real node processes and a real
 * {@code redis-server}: nodes share one limit, Redis dying falls back (or answers 503), and Redis
 * coming back is used again without a restart.
 */
class ClusterRateLimitTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private HttpServer backend;

    @BeforeEach
    void backend() throws IOException {
        backend = Backend.start(exchange -> "ok");
    }

    @AfterEach
    void stop() {
        backend.stop(0);
    }

    private Path config(String routes) throws IOException {
        return Files.writeString(dir.resolve("stargate.yaml"), """
                upstreams:
                  - id: b
                    targets: [{url: "http://127.0.0.1:%d"}]
                routes:
                %s""".formatted(backend.getAddress().getPort(), routes.indent(2)));
    }

    @Test
    void twoNodesAdmitTheSharedLimitAtSteadyLoad() throws Exception {
        // a rate the shared, loaded test box offers several times over (it served ~70 requests/s at a load of 25)
        int rate = 40;
        Duration window = Duration.ofSeconds(15);
        Path config = config("- {id: shared, paths: [\"/shared\"], upstream: b, plugins: {rate-limit: {rate: %d, policy: cluster}}}"
                .formatted(rate));
        // what is measured is the shared count, so no decision may go local: on a box at a load of 25 a
        // Redis call sometimes takes longer than the default 50 ms (the fallback is tested below)
        try (RedisServer redis = RedisServer.start(dir);
             NodeProcess a = NodeProcess.startStandalone("a", config, dir, redisFlags(redis, "--redis-timeout", "5s"), 0);
             NodeProcess b = NodeProcess.startStandalone("b", config, dir, redisFlags(redis, "--redis-timeout", "5s"), 0)) {
            assertEquals(200, status(a, "/shared"), a.logTail());
            // offered load well above the limit, split over both nodes. Admitted requests are placed at
            // the midpoint of their round trip (the decision is in between; on a loaded box a round trip
            // can take 100s of ms) and counted inside a window that opens 1 s after the first 429: the
            // first full bucket is spent by then, so saved-up tokens do not count as steady rate
            long start = System.nanoTime();
            long bound = start + Duration.ofSeconds(60).toNanos();
            AtomicLong firstRefusal = new AtomicLong(Long.MAX_VALUE);
            java.util.Queue<Long> atA = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.Queue<Long> atB = new java.util.concurrent.ConcurrentLinkedQueue<>();
            AtomicLong failed = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 16; i++) {
                    NodeProcess node = i % 2 == 0 ? a : b;
                    java.util.Queue<Long> admitted = node == a ? atA : atB;
                    clients.submit(() -> {
                        long now = start;
                        while (now < bound && (firstRefusal.get() == Long.MAX_VALUE
                                || now < firstRefusal.get() + Duration.ofSeconds(1).plus(window).toNanos())) {
                            long sent = System.nanoTime();
                            int status = status(node, "/shared");
                            now = System.nanoTime();
                            if (status == 200) {
                                admitted.add(sent + (now - sent) / 2);
                            } else if (status == 429) {
                                refused.incrementAndGet();
                                firstRefusal.accumulateAndGet(now, Math::min);
                            } else {
                                failed.incrementAndGet();
                            }
                        }
                        return null;
                    });
                }
            }
            long from = firstRefusal.get() + Duration.ofSeconds(1).toNanos();
            long to = from + window.toNanos();
            long admittedA = atA.stream().filter(t -> t >= from && t < to).count();
            long admittedB = atB.stream().filter(t -> t >= from && t < to).count();
            assertTrue(to <= bound, "the load reached the limit within 40 s");
            long total = admittedA + admittedB;
            double expected = rate * window.toNanos() / 1e9;
            String counts = "admitted " + total + " (a " + admittedA + ", b " + admittedB + ") in " + window
                    + ", expected " + expected + " ± 2%; " + refused + " refused in the whole run, "
                    + (fallbacks(a, "shared") + fallbacks(b, "shared")) + " decisions taken locally (Redis slower than 50 ms)";
            assertEquals(0, failed.get(), counts);
            assertEquals(0, fallbacks(a, "shared") + fallbacks(b, "shared"), counts);
            assertTrue(Math.abs(total - expected) <= expected * 0.02, counts);
            assertTrue(admittedA > total / 5 && admittedB > total / 5, "both nodes admitted: " + counts);
        }
    }

    @Test
    void answersWithTheSameDecisionsAndHeadersAsTheLocalLimiter() throws Exception {
        Path config = config("""
                - {id: local, paths: ["/local"], upstream: b, plugins: {rate-limit: {rate: 2, per: 1h, burst: 1, policy: local}}}
                - {id: cluster, paths: ["/cluster"], upstream: b, plugins: {rate-limit: {rate: 2, per: 1h, burst: 1, policy: cluster}}}
                """);
        try (RedisServer redis = RedisServer.start(dir);
             NodeProcess node = NodeProcess.startStandalone("same", config, dir, redisFlags(redis, "--redis-timeout", "5s"), 0)) {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> local = answer(node, "/local");
                HttpResponse<String> cluster = answer(node, "/cluster");
                String request = "request " + (i + 1) + ": " + cluster.headers().map() + " " + cluster.body();
                assertEquals(i < 3 ? 200 : 429, cluster.statusCode(), request);
                assertEquals(local.statusCode(), cluster.statusCode(), request);
                for (String header : List.of("RateLimit-Limit", "RateLimit-Remaining")) {
                    assertEquals(local.headers().firstValue(header), cluster.headers().firstValue(header), header + ", " + request);
                }
                // seconds, rounded up: a request taking a moment longer on one route may shift one by 1
                for (String header : List.of("RateLimit-Reset", "Retry-After")) {
                    long l = local.headers().firstValueAsLong(header).orElse(-1);
                    long c = cluster.headers().firstValueAsLong(header).orElse(-1);
                    assertTrue(Math.abs(l - c) <= 1, header + " local " + l + ", cluster " + c + ", " + request);
                }
            }
            assertEquals("1", redis.cli("EXISTS", "stargate:rl:route:cluster:cluster"), "counted in Redis");
        }
    }

    @Test
    void redisDownFallsBackOrAnswers503AndRedisBackIsUsedAgain() throws Exception {
        Path config = config("""
                - {id: tolerant, paths: ["/tolerant"], upstream: b, plugins: {rate-limit: {rate: 100000, policy: cluster}}}
                - {id: strict, paths: ["/strict"], upstream: b, plugins: {rate-limit: {rate: 100000, policy: cluster, fault_tolerant: false}}}
                - {id: counted, paths: ["/counted"], upstream: b, plugins: {rate-limit: {rate: 1000, per: 1h, policy: cluster}}}
                """);
        try (RedisServer redis = RedisServer.start(dir);
             NodeProcess node = NodeProcess.startStandalone("n", config, dir, redisFlags(redis), 0)) {
            assertEquals(200, status(node, "/counted"), node.logTail());
            assertEquals("1", redis.cli("EXISTS", "stargate:rl:route:counted:counted"), "counted in Redis");

            AtomicBoolean running = new AtomicBoolean(true);
            Map<Integer, AtomicLong> tolerantStatuses = new ConcurrentHashMap<>();
            List<Future<?>> load = new ArrayList<>();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 4; i++) {
                    load.add(clients.submit(() -> {
                        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();   // bound, whatever happens
                        while (running.get() && System.nanoTime() < deadline) {
                            tolerantStatuses.computeIfAbsent(status(node, "/tolerant"), s -> new AtomicLong()).incrementAndGet();
                        }
                        return null;
                    }));
                }
                Thread.sleep(500);
                redis.kill();
                Await.until("503 rate_limit_unavailable from the strict route", Duration.ofSeconds(10),
                        () -> answer(node, "/strict").statusCode() == 503);
                HttpResponse<String> refused = answer(node, "/strict");
                assertEquals(503, refused.statusCode());
                assertTrue(refused.body().contains("\"rate_limit_unavailable\""), refused.body());
                Await.until("fallbacks counted", Duration.ofSeconds(10), () -> fallbacks(node, "tolerant") > 0);

                redis.start();
                Await.until("the strict route admitted again once Redis is back", Duration.ofSeconds(15),
                        () -> status(node, "/strict") == 200);
                running.set(false);
            }
            for (Future<?> client : load) {
                client.get();
            }
            assertEquals(List.of(200), List.copyOf(tolerantStatuses.keySet()),
                    "fault_tolerant: every request admitted through the outage: " + tolerantStatuses);
            assertEquals("0", redis.cli("EXISTS", "stargate:rl:route:counted:counted"), "a fresh Redis");
            assertEquals(200, status(node, "/counted"));
            assertEquals("1", redis.cli("EXISTS", "stargate:rl:route:counted:counted"), "counting in Redis resumed");
            assertTrue(node.log().contains("event=redis_down") && node.log().contains("event=redis_up"), node.logTail());
        }
    }

    @Test
    void talksToRedisOverTlsAndOnlyToACertificateItTrusts() throws Exception {
        Path cert = dir.resolve("redis.pem");
        Path key = dir.resolve("redis.key");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString());
        Path trust = dir.resolve("trust.p12");
        run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importcert", "-noprompt",
                "-alias", "redis", "-file", cert.toString(), "-keystore", trust.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit");
        Path config = config("- {id: strict, paths: [\"/strict\"], upstream: b, plugins: {rate-limit: "
                + "{rate: 100000, policy: cluster, fault_tolerant: false}}}");
        try (RedisServer redis = RedisServer.start(dir, port -> List.of("--port", "0", "--tls-port", Integer.toString(port),
                "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(), "--tls-ca-cert-file", cert.toString(),
                "--tls-auth-clients", "no"))) {
            List<String> flags = List.of("--redis", "rediss://127.0.0.1:" + redis.port());
            try (NodeProcess trusting = NodeProcess.startStandalone("trusting", config, dir, flags, Map.of("JDK_JAVA_OPTIONS",
                    "-Djavax.net.ssl.trustStore=" + trust + " -Djavax.net.ssl.trustStorePassword=changeit"));
                 NodeProcess other = NodeProcess.startStandalone("other", config, dir, flags, Map.of())) {
                Await.until("admitted over TLS", Duration.ofSeconds(10), () -> status(trusting, "/strict") == 200);
                assertEquals(503, status(other, "/strict"), "a node that does not trust the certificate does not talk to that Redis");
                assertTrue(other.log().contains("event=redis_down"), other.logTail());
            }
        }
    }

    @Test
    void followsThePrimaryThroughASentinelFailover() throws Exception {
        Path config = config("- {id: strict, paths: [\"/strict\"], upstream: b, plugins: {rate-limit: "
                + "{rate: 10, per: 1h, policy: cluster, fault_tolerant: false}}}");
        try (RedisServer primary = RedisServer.start(dir);
             RedisServer replica = RedisServer.start(dir, port -> List.of("--port", Integer.toString(port),
                     "--replicaof", "127.0.0.1", Integer.toString(primary.port())));
             RedisServer s1 = RedisServer.sentinel(dir, "main", primary.port());
             RedisServer s2 = RedisServer.sentinel(dir, "main", primary.port());
             RedisServer s3 = RedisServer.sentinel(dir, "main", primary.port())) {
            Await.until("the replica in sync", Duration.ofSeconds(20),
                    () -> replica.cli("INFO", "replication").contains("master_link_status:up"));
            Await.until("the sentinels see each other and the replica", Duration.ofSeconds(20),
                    () -> s1.cli("SENTINEL", "ckquorum", "main").startsWith("OK")
                            && s1.cli("SENTINEL", "replicas", "main").contains(Integer.toString(replica.port())));
            String url = "redis-sentinel://127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d/main"
                    .formatted(s1.port(), s2.port(), s3.port());
            try (NodeProcess node = NodeProcess.startStandalone("s", config, dir, List.of("--redis", url), 0)) {
                Await.until("admitted through the primary", Duration.ofSeconds(10), () -> status(node, "/strict") == 200);
                assertEquals("1", primary.cli("EXISTS", "stargate:rl:route:strict:strict"), "counted on the primary");

                primary.kill();
                Await.until("the replica promoted", Duration.ofSeconds(30),
                        () -> s1.cli("SENTINEL", "get-master-addr-by-name", "main").contains(Integer.toString(replica.port())));
                Await.until("admitted through the new primary", Duration.ofSeconds(20), () -> status(node, "/strict") == 200);
                assertEquals("1", replica.cli("EXISTS", "stargate:rl:route:strict:strict"), "counted on the new primary");
            }
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertTrue(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0,
                String.join(" ", command) + ":\n" + output);
    }

    private static List<String> redisFlags(RedisServer redis, String... more) {
        List<String> flags = new ArrayList<>(List.of("--redis", "redis://127.0.0.1:" + redis.port()));
        flags.addAll(List.of(more));
        return flags;
    }

    /** {@code stargate_rate_limit_fallback_total} of one route. */
    private static long fallbacks(NodeProcess node, String route) {
        Matcher m = Pattern.compile("(?m)^stargate_rate_limit_fallback_total\\{[^}]*route=\"" + route + "\"[^}]*} ([0-9.]+)")
                .matcher(node.metrics());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    static int status(NodeProcess node, String path) {
        try {
            return answer(node, path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static HttpResponse<String> answer(NodeProcess node, String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
