package stargate.node.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import stargate.model.routing.Explanation;
import stargate.model.routing.RequestHeaders;
import stargate.node.config.CompiledUpstream;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.Snapshot;
import stargate.node.config.Target;
import stargate.node.health.TargetHealth;
import stargate.node.observe.Metrics;
import stargate.node.observe.SourceStatus;

/**
 * The admin listener (port 9901, never the proxy port): {@code /health/live}, {@code /health/ready}
 * (MicroProfile Health JSON through Helidon's health observer), {@code /metrics} (Prometheus text),
 * {@code GET /status} (with each upstream's circuit state and each target's health) and
 * {@code POST /explain} (SPEC §7). In etcd mode {@code /status} also says where the config came from
 * ({@code source}: {@code etcd} or {@code cache}), whether etcd is reachable, the last error and the
 * objects kept at their last good version ({@code rejected}).
 */
public final class AdminEndpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String nodeId;
    private final CurrentSnapshot current;
    private final Metrics metrics;
    private final BooleanSupplier serving;

    /**
     * @param serving whether the proxy listener is open and not draining (readiness needs it and a config)
     */
    public AdminEndpoints(String nodeId, CurrentSnapshot current, Metrics metrics, BooleanSupplier serving) {
        this.nodeId = nodeId;
        this.current = current;
        this.metrics = metrics;
        this.serving = serving;
    }

    /** The health observer, bound to the admin socket at absolute paths. */
    public ObserveFeature observeFeature(String socket) {
        HealthObserver health = HealthObserver.builder()
                .details(true)
                .endpoint("/health")
                .useSystemServices(false)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS, "process")
                .addCheck(this::readiness, HealthCheckType.READINESS, "config")
                .build();
        return ObserveFeature.builder()
                .endpoint("/")
                .sockets(java.util.List.of(socket))
                .addObserver(health)
                .build();
    }

    /** {@code /metrics}, {@code /status} and {@code /explain}. */
    public void routing(HttpRouting.Builder routing) {
        routing.get("/metrics", this::metrics)
                .get("/status", this::status)
                .post("/explain", this::explain);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(metrics.writePrometheus().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private HealthCheckResponse readiness() {
        Snapshot snapshot = current.get();
        boolean ready = snapshot != null && serving.getAsBoolean();
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(ready);
        if (snapshot != null) {
            response.detail("revision", snapshot.revision()).detail("source", snapshot.source());
        }
        return response.build();
    }

    private void status(ServerRequest req, ServerResponse res) {
        Snapshot snapshot = current.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("node_id", nodeId);
        body.put("ready", snapshot != null && serving.getAsBoolean());
        if (snapshot != null) {
            body.put("config_source", snapshot.source());
            body.put("applied_revision", snapshot.revision());
            body.put("applied_at", snapshot.appliedAt().toString());
            body.put("routes", snapshot.config().routes().size());
            body.put("upstreams", snapshot.config().upstreams().size());
            body.put("generation", snapshot.generation().label());
            ArrayNode upstreams = body.putArray("upstream_status");
            long now = System.nanoTime();
            for (CompiledUpstream upstream : snapshot.upstreams().values()) {
                ObjectNode u = upstreams.addObject();
                u.put("id", upstream.id());
                u.put("balancer", upstream.upstream().balancer().wire());
                u.put("circuit", upstream.circuit().config() == null ? "none" : upstream.circuit().stateName());
                ArrayNode targets = u.putArray("targets");
                for (Target target : upstream.targets()) {
                    targets.add(targetStatus(target, now));
                }
            }
        }
        SourceStatus source = current.sourceStatus();
        if (source != null) {
            body.put("source", source.source());
            body.put("etcd_connected", source.connected());
            body.put("seen_revision", source.seenRevision());
            body.put("last_error", source.lastError());
            body.set("rejected", JSON.valueToTree(source.rejected()));
        }
        sendJson(res, 200, body);
    }

    /**
     * One target in {@code /status}: {@code healthy} (a balancer may pick it), {@code active_healthy},
     * {@code ejected} (passive), and the last active probe's result ({@code last_check}, null before one).
     */
    private static ObjectNode targetStatus(Target target, long now) {
        TargetHealth health = target.health();
        ObjectNode t = JSON.createObjectNode()
                .put("url", target.url())
                .put("healthy", target.eligible(now))
                .put("active_healthy", health.activeHealthy())
                .put("ejected", health.ejected(now));
        TargetHealth.CheckResult check = health.lastCheck();
        if (check == null) {
            t.putNull("last_check");
        } else {
            t.putObject("last_check").put("success", check.success()).put("detail", check.detail())
                    .put("at", check.at().toString());
        }
        return t;
    }

    private void explain(ServerRequest req, ServerResponse res) {
        Snapshot snapshot = current.get();
        if (snapshot == null) {
            sendJson(res, 503, error("not_ready", "no config loaded yet"));
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(req.content().inputStream());
        } catch (IOException e) {
            sendJson(res, 400, error("bad_request", "body is not JSON: " + e.getMessage()));
            return;
        }
        if (body == null || !body.path("url").isTextual()) {
            sendJson(res, 400, error("bad_request", "expected {\"method\": \"GET\", \"url\": \"http://host/path\", \"headers\": {}}"));
            return;
        }
        URI uri;
        try {
            uri = URI.create(body.get("url").asText());
        } catch (IllegalArgumentException e) {
            sendJson(res, 400, error("bad_request", "url: " + e.getMessage()));
            return;
        }
        String method = body.path("method").asText("GET").toUpperCase(Locale.ROOT);
        Map<String, String> headers = new java.util.HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().asText());
        }
        String host = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        Explanation explanation = snapshot.routes().explain(method, host, path, RequestHeaders.of(headers));
        sendJson(res, 200, JSON.valueToTree(explanation));
    }

    private static ObjectNode error(String error, String message) {
        return JSON.createObjectNode().put("error", error).put("message", message);
    }

    private static void sendJson(ServerResponse res, int status, JsonNode body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
