package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * {@code --log-format json} (issue 15) on a real etcd, a controller and a node process, both exporting spans
 * to a loopback OTLP/HTTP receiver: every line either writes (stdout and stderr) is a JSON object with the
 * common fields, event lines carry their pairs, and a line logged while a traced request is served carries
 * that request's trace id (the client's {@code traceparent}, sampled). An unknown format is refused at start.
 */
class JsonLogsTest {
    private static final String PREFIX = "/stargate";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    static Path dir;
    private static EtcdCluster etcd;
    private static HttpServer collector;
    private static final AtomicInteger exports = new AtomicInteger();
    private static ControllerProcess controller;
    private static NodeProcess node;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.startSingle();
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        collector.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        collector.createContext("/v1/traces", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exports.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);   // an empty ExportTraceServiceResponse
            }
        });
        collector.start();
        try (ServerSocket closed = new ServerSocket(0)) {
            deadPort = closed.getLocalPort();   // free now, and nobody listens on it
        }
        List<String> tracing = List.of("--log-format", "json", "--otlp-protocol", "http/protobuf",
                "--otlp-endpoint", "http://127.0.0.1:" + collector.getAddress().getPort());
        List<String> nodeFlags = new ArrayList<>(tracing);
        nodeFlags.addAll(List.of("--node-labels", "canary=true"));
        CompletableFuture<ControllerProcess> startingController = CompletableFuture.supplyAsync(
                () -> ControllerProcess.start(etcd.endpoints(), PREFIX, dir, tracing));
        CompletableFuture<NodeProcess> startingNode = CompletableFuture.supplyAsync(
                () -> NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir, nodeFlags));
        try {
            controller = startingController.join();
            node = startingNode.join();
        } catch (RuntimeException e) { // stop the one that did start
            startingController.exceptionally(t -> null).join();
            startingNode.exceptionally(t -> null).join();
            startingController.thenAccept(ControllerProcess::close);
            startingNode.thenAccept(NodeProcess::close);
            throw e;
        }
        ok(controller.api("POST", "/upstreams", "{\"id\": \"up\", \"targets\": [{\"url\": \"http://127.0.0.1:" + deadPort
                + "\"}]}"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {node, controller, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort: the next one still closes
            }
        }
        if (collector != null) {
            collector.stop(0);
        }
    }

    private static Http.Answer ok(Http.Answer answer) {
        assertTrue(answer.status() / 100 == 2, answer.status() + " " + answer.body());
        return answer;
    }

    /** Every line of {@code log} parsed; fails naming the first line that is not a JSON object with the common fields. */
    private static List<JsonNode> jsonLines(String log) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : log.lines().toList()) {
            JsonNode json;
            try {
                json = JSON.readTree(line);
            } catch (IOException e) {
                return fail("not a JSON line: " + line + "\n" + e.getMessage());
            }
            assertTrue(json != null && json.isObject(), "not a JSON object: " + line);
            for (String field : List.of("time", "level", "logger", "thread", "message")) {
                assertTrue(json.hasNonNull(field), "no " + field + ": " + line);
            }
            assertTrue(json.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                    "ISO-8601 UTC: " + line);
            lines.add(json);
        }
        assertFalse(lines.isEmpty(), "no log at all");
        return lines;
    }

    private static JsonNode event(List<JsonNode> lines, String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText())).findFirst()
                .orElseGet(() -> fail("no event=" + event + " line in " + lines));
    }

    @Test
    void theNodeLogsJsonLinesAndALineLoggedWhileServingNamesTheRequestsTrace() throws Exception {
        // the introspection endpoint is down: the plugin logs a WARNING while the request is served (503)
        ok(controller.api("PUT", "/routes/guarded", "{\"paths\": [\"/guarded/*\"], \"upstream\": \"up\", \"plugins\": "
                + "{\"oauth2-introspection\": {\"endpoint\": \"http://127.0.0.1:" + deadPort + "/introspect\", "
                + "\"client_id\": \"gateway\", \"client_secret\": \"s3cret\"}}}"));
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Await.until(() -> "the node answers 503 introspection_unavailable: " + node.request("/guarded/x").body(), WAIT,
                () -> node.request("/guarded/x", Map.of("Authorization", "Bearer some-token",
                        "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")).status() == 503);
        Await.until(() -> "a WARNING of the introspection plugin in\n" + node.logTail(), WAIT,
                () -> node.log().contains("oauth2-introspection: "));

        List<JsonNode> lines = jsonLines(node.log());
        JsonNode started = event(lines, "node_started");
        assertEquals("INFO", started.get("level").asText());
        assertEquals("stargate.node.Node", started.get("logger").asText());
        assertEquals("n1", started.get("node_id").asText(), "the event's pairs are fields: " + started);
        JsonNode failure = lines.stream().filter(l -> l.get("message").asText().startsWith("oauth2-introspection: "))
                .findFirst().orElseThrow();
        assertEquals("WARNING", failure.get("level").asText(), failure.toString());
        assertEquals(traceId, failure.path("trace_id").asText(), "logged inside the traced request: " + failure);
        assertTrue(failure.path("span_id").asText().matches("[0-9a-f]{16}"), failure.toString());
        assertFalse(failure.get("span_id").asText().equals("00f067aa0ba902b7"), "the node's SERVER span, not the client's");
        assertFalse(event(lines, "node_registered").has("trace_id"), "no request, no trace");
    }

    @Test
    void theControllerLogsJsonLinesAndALineLoggedInAnApiCallNamesItsTrace() throws Exception {
        Await.until("the controller lists n1", WAIT,
                () -> controller.api("GET", "/nodes", null).body().contains("\"n1\""));
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        Http.Answer rollout = controller.api("PUT", "/routes/canaried?rollout=canary",
                "{\"paths\": [\"/canaried/*\"], \"upstream\": \"up\"}",
                Map.of("traceparent", "00-" + traceId + "-b7ad6b7169203331-01"));
        assertEquals(202, rollout.status(), rollout.body());
        Await.until(() -> "the rollout_started line in\n" + controller.logTail(), WAIT,
                () -> controller.log().contains("event=rollout_started"));

        List<JsonNode> lines = jsonLines(controller.log());
        JsonNode serving = event(lines, "grpc_admin_serving");
        assertEquals("stargate.controller.grpc.GrpcAdmin", serving.get("logger").asText());
        assertEquals("off", serving.get("auth").asText(), serving.toString());
        JsonNode started = event(lines, "rollout_started");
        assertEquals("[n1]", started.get("canaries").asText(), started.toString());
        assertEquals("+1 route", started.get("changes").asText(), "a quoted value: " + started);
        assertEquals(traceId, started.path("trace_id").asText(), "logged inside the traced API call: " + started);
        assertTrue(lines.stream().anyMatch(l -> l.get("logger").asText().startsWith("org.jboss.weld")),
                "Helidon MP's own start-up lines are JSON too");
        Await.until("spans reached the collector", WAIT, () -> exports.get() > 0);
    }

    @Test
    void anUnknownFormatIsRefusedWhenTheFlagIsRead() throws Exception {
        Path jar = Path.of("..", "nima-node", "target", "stargate-node.jar").toAbsolutePath().normalize();
        Process refused = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "node", "--config", dir.resolve("none.yaml").toString(), "--log-format", "logfmt")
                .redirectErrorStream(true).start();
        String output = new String(refused.getInputStream().readAllBytes());
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue(), output);
        assertTrue(output.contains("--log-format must be text or json, got \"logfmt\""), output);
    }
}
