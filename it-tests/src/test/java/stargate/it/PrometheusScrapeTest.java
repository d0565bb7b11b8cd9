package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import stargate.it.support.Await;
import stargate.it.support.Backend;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;
import stargate.it.support.RedisServer;

/**
 * A real Prometheus (Debian {@code prometheus}, scraping every second) in front of a real controller (GitOps from a
 * local Git repository into a real etcd) and a node following it: the queries an operator and the dashboard run
 * answer with the expected series (request rate, p99 by {@code histogram_quantile}, target health, config revision),
 * the alerting rules load and evaluate, and every expression of {@code etc/grafana/stargate-dashboard.json} parses
 * and names metrics that the node or the controller export.
 */
class PrometheusScrapeTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path ETC = Path.of("..", "etc").toAbsolutePath().normalize();
    private static final String PREFIX = "/stargate";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The metric families a dashboard or rule may name: {@code # TYPE} lines of both /metrics, read once traffic ran. */
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

    private static Path dir;
    private static HttpServer backend;
    private static EtcdCluster etcd;
    private static ControllerProcess controller;
    private static RedisServer redis;
    private static NodeProcess node;
    private static Process prometheus;
    private static int prometheusPort;
    private static final AtomicBoolean traffic = new AtomicBoolean(true);
    private static ExecutorService load;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "prometheus not installed (apt-get install prometheus)");
        dir = Files.createTempDirectory("stargate-prometheus-it");
        backend = Backend.start(exchange -> "ok");
        Path cert = dir.resolve("api.pem");
        Path key = dir.resolve("api.key");
        // valid for 3 days: the certificate-expiry alert has something to say
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj", "/CN=api.test.invalid",
                "-keyout", key.toString(), "-out", cert.toString());
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Files.createDirectories(repo.resolve("config"));
        Files.writeString(repo.resolve("config/stargate.yaml"), """
                upstreams:
                  - id: app
                    targets: [{url: "http://127.0.0.1:%d"}]
                    health_check: {active: {type: http, path: /healthz, interval: 1s, timeout: 500ms}}
                    circuit_breaker: {failure_ratio: 0.5, volume: 20, open_for: 10s, half_open_successes: 3}
                routes:
                  - {id: api, paths: ["/api"], upstream: app}
                  - {id: limited, paths: ["/limited"], upstream: app, plugins: {rate-limit: {rate: 1, per: 1h}}}
                  - {id: shared, paths: ["/shared"], upstream: app, plugins: {rate-limit: {rate: 100000, policy: cluster}}}
                certificates:
                  - {id: api-cert, snis: [api.test.invalid], cert_file: "%s", key_file: "%s"}
                """.formatted(backend.getAddress().getPort(), cert, key));
        run(repo, "git", "init", "-q", "-b", "main");
        run(repo, "git", "add", ".");
        run(repo, "git", "-c", "user.name=it", "-c", "user.email=it@test.invalid", "commit", "-q", "-m", "config");

        etcd = EtcdCluster.startSingle();
        controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir, List.of("--git", repo.toUri().toString(),
                "--git-branch", "main", "--git-path", "config", "--git-interval", "1s"));
        redis = RedisServer.start(dir);
        node = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir, List.of("--redis", "redis://127.0.0.1:" + redis.port()));
        Await.until(() -> "GitOps config served: " + node.logTail(), Duration.ofSeconds(30), () -> node.get("/api") == 200);
        // a 429, then cluster decisions taken locally once Redis is gone: their counters exist from then on
        Await.until("a 429 on /limited", Duration.ofSeconds(10), () -> node.get("/limited") == 429);
        assertEquals(200, node.get("/shared"));
        redis.close();
        Await.until("a local decision without Redis", Duration.ofSeconds(15), () -> node.get("/shared") == 200
                && node.metrics().contains("stargate_rate_limit_fallback_total{"));

        // steady traffic while Prometheus scrapes (bounded: stops with the class, or after 180 s)
        load = Executors.newVirtualThreadPerTaskExecutor();
        long until = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        load.submit(() -> {
            while (traffic.get() && System.nanoTime() < until) {
                node.get("/api");
                node.get("/shared"); // Redis stays down: each one is decided locally, so the fallback counter moves
                Thread.sleep(20);
            }
            return null;
        });

        prometheusPort = freePort();
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms}
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: stargate-node
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                  - job_name: stargate-controller
                    static_configs: [{targets: ["%s"]}]
                """.formatted(ETC.resolve("prometheus/stargate-rules.yaml"), node.adminPort(),
                URI.create(controller.url("/")).getAuthority()));
        prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Await.until(() -> "Prometheus ready: " + log("prometheus.log"), Duration.ofSeconds(30),
                () -> prometheus.isAlive() && status("/-/ready") == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        traffic.set(false);
        if (load != null) {
            load.shutdownNow();
        }
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {node, redis, controller, etcd}) {
            if (c != null) {
                c.close();
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    @Test
    void rateP99TargetHealthAndRevisionAnswerWithTheExpectedSeries() throws Exception {
        JsonNode[] last = new JsonNode[1];
        Await.until(() -> "request rate of route api: " + last[0], Duration.ofSeconds(30), () -> {
            last[0] = query("sum by (route) (rate(stargate_requests_total{route=\"api\"}[10s]))");
            return last[0].size() == 1 && value(last[0].get(0)) > 0;
        });
        assertEquals("api", last[0].get(0).at("/metric/route").asText());

        JsonNode p99 = query("histogram_quantile(0.99, sum by (route, le) (rate(stargate_request_duration_seconds_bucket{route=\"api\"}[10s])))");
        assertEquals(1, p99.size(), p99.toString());
        double seconds = value(p99.get(0));
        assertTrue(seconds > 0 && seconds < 10, "p99 of a loopback echo: " + seconds);

        JsonNode up = query("up");
        Set<String> jobs = new TreeSet<>();
        up.forEach(series -> {
            assertEquals(1, value(series), series.toString());
            jobs.add(series.at("/metric/job").asText());
        });
        assertEquals(Set.of("stargate-controller", "stargate-node"), jobs);
        JsonNode healthy = query("stargate_upstream_target_healthy");
        assertEquals(1, healthy.size(), healthy.toString());
        assertEquals("app", healthy.get(0).at("/metric/upstream").asText());
        assertEquals(1, value(healthy.get(0)));

        JsonNode revisions = query("stargate_config_revision");
        assertEquals(2, revisions.size(), revisions.toString());
        double controllerRevision = 0;
        double nodeRevision = 0;
        for (JsonNode series : revisions) {
            if (series.at("/metric/component").asText().equals("controller")) {
                controllerRevision = value(series);
            } else {
                assertEquals("stargate-node", series.at("/metric/job").asText());
                nodeRevision = value(series);
            }
        }
        assertTrue(controllerRevision > 0 && nodeRevision >= controllerRevision,
                "the node serves the controller's newest write: " + revisions);
        assertEquals(0, query("(scalar(max(stargate_config_revision{component=\"controller\"})) "
                + "- stargate_config_revision{component!=\"controller\"}) > 0").size(), "no node behind");
    }

    @Test
    void theAlertingRulesLoadAndEvaluateOnRealSeries() throws Exception {
        JsonNode[] rules = new JsonNode[1];
        Await.until(() -> "every rule evaluated: " + rules[0], Duration.ofSeconds(30), () -> {
            rules[0] = api("/api/v1/rules").at("/data/groups/0/rules");
            boolean evaluated = rules[0].size() > 0;
            for (JsonNode rule : rules[0]) {
                evaluated &= rule.path("health").asText().equals("ok");
            }
            return evaluated;
        });
        List<String> names = new ArrayList<>();
        rules[0].forEach(rule -> names.add(rule.path("name").asText()));
        assertTrue(names.containsAll(List.of("StargateEtcdUnreachable", "StargateGitOpsNotSynced", "StargateRateLimitFallback",
                "StargateCertificateExpiresSoon")), names.toString());
        // the fallback and the 3-day certificate are real, so those two are pending or firing
        String[] alerts = {""};
        Await.until(() -> "alerts active: " + alerts[0], Duration.ofSeconds(30), () -> {
            alerts[0] = api("/api/v1/alerts").toString();
            return alerts[0].contains("StargateRateLimitFallback") && alerts[0].contains("StargateCertificateExpiresSoon");
        });
    }

    @Test
    void everyDashboardExpressionParsesAndNamesExportedMetrics() throws Exception {
        JsonNode dashboard = JSON.readTree(ETC.resolve("grafana/stargate-dashboard.json").toFile());
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> expressions.add(t.path("expr").asText())));
        assertTrue(expressions.size() >= 20, expressions.toString());

        String exported = node.metrics() + controller.get("/metrics").body();
        java.util.Map<String, String> families = new java.util.HashMap<>();
        Matcher type = TYPE.matcher(exported);
        while (type.find()) {
            families.put(type.group(1), type.group(2));
        }
        Pattern name = Pattern.compile("\\b((?:stargate|jvm|process)_[a-z0-9_]+)");
        List<String> unknown = new ArrayList<>();
        for (String expression : expressions) {
            HttpResponse<String> answer = get("/api/v1/query?query=" + URLEncoder.encode(expression, UTF_8));
            assertEquals(200, answer.statusCode(), expression + " -> " + answer.body());
            assertEquals("success", JSON.readTree(answer.body()).path("status").asText(), expression);
            Matcher m = name.matcher(expression);
            while (m.find()) {
                String metric = m.group(1);
                String family = metric.replaceFirst("_(bucket|sum|count)$", "");
                boolean known = families.containsKey(metric)
                        || (!family.equals(metric) && families.getOrDefault(family, "").equals("histogram"));
                if (!known) {
                    unknown.add(metric + " in " + expression);
                }
            }
        }
        assertEquals(List.of(), unknown, "dashboard metrics neither the node nor the controller exports");
    }

    private static JsonNode query(String promql) throws Exception {
        JsonNode answer = api("/api/v1/query?query=" + URLEncoder.encode(promql, UTF_8));
        assertEquals("success", answer.path("status").asText(), promql + " -> " + answer);
        return answer.at("/data/result");
    }

    private static double value(JsonNode series) {
        return Double.parseDouble(series.at("/value/1").asText());
    }

    private static JsonNode api(String path) throws Exception {
        return JSON.readTree(get(path).body());
    }

    private static int status(String path) {
        try {
            return get(path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String log(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(Path cwd, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ":\n" + output);
    }
}
