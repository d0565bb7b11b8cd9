package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing (SPEC §17) through real nodes exporting to a real OTLP collector on loopback ({@link OtlpReceiver},
 * decoding the real protobuf): a request through node A, node B and the upstream is one trace with the right
 * parent links, attributes and access-log ids; retries are sibling CLIENT spans; a plugin rejection is a span
 * event; sampling is parent-based at the configured rate; and a collector that is down or hangs costs the
 * requests nothing while the lost spans are counted.
 */
class TracingThroughNodeTest {
    private static final Duration EXPORTED = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private OtlpReceiver collector;
    private HttpServer upstream;
    /** Request headers the upstream saw, in order. */
    private final ConcurrentLinkedQueue<Headers> seen = new ConcurrentLinkedQueue<>();
    /** The upstream answers 503 while this is above zero (counting down), then 200. */
    private final AtomicInteger failFirst = new AtomicInteger();
    private final List<RunningNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        collector = OtlpReceiver.start();
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        upstream.createContext("/", exchange -> {
            try (exchange) {
                seen.add(exchange.getRequestHeaders());
                exchange.getRequestBody().readAllBytes();
                int status = failFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 200;
                byte[] body = "ok".getBytes();
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        upstream.start();
    }

    @AfterEach
    void stop() {
        nodes.forEach(RunningNode::close);
        if (upstream != null) {
            upstream.stop(0);
        }
        if (collector != null) {
            collector.close();
        }
    }

    private String upstreamUrl() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort();
    }

    private RunningNode node(String name, String yaml, Map<String, String> env, String... flags) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        RunningNode node = RunningNode.start(home, yaml, env, flags);
        nodes.add(node);
        return node;
    }

    private static String route(String id, String target, String extra) {
        return """
                routes:
                  - {id: %s, paths: ["/*"], upstream: up%s}
                upstreams:
                  - {id: up, targets: [{url: "%s"}]}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                """.formatted(id, extra, target);
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;      // never all zero
        return HexFormat.of().formatHex(b);
    }

    private List<OtlpReceiver.Received> awaitSpans(String traceId, int count) throws Exception {
        RunningNode.eventually(EXPORTED, () -> assertEquals(count, collector.spans(traceId).size(),
                "spans of trace " + traceId + ": " + collector.spans(traceId)));
        return collector.spans(traceId);
    }

    private static OtlpReceiver.Received only(List<OtlpReceiver.Received> spans, String service, Span.SpanKind kind) {
        List<OtlpReceiver.Received> found = spans.stream()
                .filter(s -> s.service().equals(service) && s.span().getKind() == kind).toList();
        assertEquals(1, found.size(), service + " " + kind + " in " + spans);
        return found.getFirst();
    }

    @Test
    void oneRequestThroughTwoNodesIsOneTraceWithTheRightParents() throws Exception {
        Path accessLog = dir.resolve("a-access.log");
        RunningNode b = node("b", route("r-b", upstreamUrl(), ""), Map.of(),
                "--otlp-endpoint", collector.httpEndpoint(), "--otlp-protocol", "http/protobuf",
                "--service-name", "node-b");
        // node A reads its settings from the standard variables only
        RunningNode a = node("a", route("r-a", "http://127.0.0.1:" + b.node.port(), ""),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.httpEndpoint(),
                        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTEL_SERVICE_NAME", "node-a"),
                "--access-log", accessLog.toString(), "--trusted-proxies", "127.0.0.1");
        String traceId = randomHex(16);
        String clientSpan = randomHex(8);
        HttpResponse<String> response = a.get("/items/7?secret=s3cr3t",
                "traceparent", "00-" + traceId + "-" + clientSpan + "-01",
                "tracestate", "vendor=abc", "baggage", "tenant=acme", "User-Agent", "trace-test/1",
                "X-Forwarded-For", "203.0.113.7");
        assertEquals(200, response.statusCode());

        List<OtlpReceiver.Received> spans = awaitSpans(traceId, 4);
        OtlpReceiver.Received aServer = only(spans, "node-a", Span.SpanKind.SPAN_KIND_SERVER);
        OtlpReceiver.Received aClient = only(spans, "node-a", Span.SpanKind.SPAN_KIND_CLIENT);
        OtlpReceiver.Received bServer = only(spans, "node-b", Span.SpanKind.SPAN_KIND_SERVER);
        OtlpReceiver.Received bClient = only(spans, "node-b", Span.SpanKind.SPAN_KIND_CLIENT);
        assertEquals(clientSpan, aServer.parentSpanId(), "node A continues the client's trace");
        assertEquals(aServer.spanId(), aClient.parentSpanId());
        assertEquals(aClient.spanId(), bServer.parentSpanId(), "node B's request came from A's attempt");
        assertEquals(bServer.spanId(), bClient.parentSpanId());
        Headers atUpstream = seen.peek();
        assertEquals("00-" + traceId + "-" + bClient.spanId() + "-01", atUpstream.getFirst("traceparent"),
                "the upstream's parent is B's CLIENT span");
        assertEquals("vendor=abc", atUpstream.getFirst("tracestate"));
        assertEquals("tenant=acme", atUpstream.getFirst("baggage"));
        for (OtlpReceiver.Received span : spans) {
            assertEquals("vendor=abc", span.span().getTraceState(), "every span of the trace carries its tracestate");
        }

        assertEquals("GET r-a", aServer.span().getName());
        assertEquals("GET", aServer.attribute("http.request.method"));
        assertEquals("200", aServer.attribute("http.response.status_code"));
        assertEquals("/items/7", aServer.attribute("url.path"), "no query: it may carry secrets");
        assertEquals("http", aServer.attribute("url.scheme"));
        assertEquals("r-a", aServer.attribute("stargate.route"));
        assertEquals("203.0.113.7", aServer.attribute("client.address"), "named by a trusted proxy");
        assertEquals("127.0.0.1", aServer.attribute("network.peer.address"), "the proxy, the immediate peer");
        assertEquals("127.0.0.1", bServer.attribute("client.address"));
        assertNull(bServer.attribute("network.peer.address"), "the same as client.address: not repeated");
        assertEquals("trace-test/1", aServer.attribute("user_agent.original"));
        assertEquals("1.1", aServer.attribute("network.protocol.version"));
        assertEquals("GET up", aClient.span().getName());
        assertEquals("up", aClient.attribute("stargate.upstream"));
        assertEquals(6, aClient.span().getAttributesCount(), "method, server.address, server.port, url.full, "
                + "stargate.upstream, status; the rest is on the SERVER span: " + aClient);
        assertEquals("127.0.0.1", aClient.attribute("server.address"));
        assertEquals(Integer.toString(b.node.port()), aClient.attribute("server.port"));
        assertEquals("http://127.0.0.1:" + b.node.port() + "/items/7", aClient.attribute("url.full"));
        assertEquals("200", bClient.attribute("http.response.status_code"));
        assertNull(aClient.attribute("http.request.resend_count"));
        for (OtlpReceiver.Received span : spans) {
            assertTrue(span.span().toString().indexOf("s3cr3t") < 0, "the query never reaches a span: " + span);
        }

        RunningNode.eventually(Duration.ofSeconds(5), () -> {
            String line = Files.readString(accessLog);
            assertTrue(line.contains("\"trace_id\":\"" + traceId + "\""), line);
            assertTrue(line.contains("\"span_id\":\"" + aServer.spanId() + "\""), line);
        });
    }

    @Test
    void retriesAreSiblingAttemptsAndPluginRejectionsAreEvents() throws Exception {
        RunningNode a = node("a", """
                routes:
                  - {id: retried, paths: ["/retried"], upstream: up, retries: {attempts: 1, on: ["503"]}}
                  - {id: guarded, paths: ["/guarded"], upstream: up, plugins: {key-auth: {}}}
                upstreams:
                  - {id: up, targets: [{url: "%s"}]}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                """.formatted(upstreamUrl()), Map.of(),
                "--otlp-endpoint", collector.grpcEndpoint(), "--service-name", "node-a");
        failFirst.set(1);
        String retried = randomHex(16);
        assertEquals(200, a.get("/retried", "traceparent", "00-" + retried + "-" + randomHex(8) + "-01").statusCode());
        List<OtlpReceiver.Received> spans = awaitSpans(retried, 3);
        OtlpReceiver.Received server = only(spans, "node-a", Span.SpanKind.SPAN_KIND_SERVER);
        List<OtlpReceiver.Received> attempts = spans.stream()
                .filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .sorted(java.util.Comparator.comparingLong(s -> s.span().getStartTimeUnixNano())).toList();
        assertEquals(2, attempts.size());
        for (OtlpReceiver.Received attempt : attempts) {
            assertEquals(server.spanId(), attempt.parentSpanId(), "retries are siblings under the SERVER span");
        }
        assertEquals("503", attempts.get(0).attribute("http.response.status_code"));
        assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
                attempts.get(0).span().getStatus().getCode());
        assertNull(attempts.get(0).attribute("http.request.resend_count"));
        assertEquals("1", attempts.get(1).attribute("http.request.resend_count"));
        assertEquals("200", attempts.get(1).attribute("http.response.status_code"));

        String refused = randomHex(16);
        assertEquals(401, a.get("/guarded", "traceparent", "00-" + refused + "-" + randomHex(8) + "-01").statusCode());
        OtlpReceiver.Received rejected = awaitSpans(refused, 1).getFirst();
        assertEquals("GET guarded", rejected.span().getName());
        assertEquals("401", rejected.attribute("http.response.status_code"));
        assertEquals(1, rejected.span().getEventsCount());
        Span.Event event = rejected.span().getEvents(0);
        assertEquals("stargate.plugin.rejected", event.getName());
        assertEquals("key-auth", OtlpReceiver.value(event.getAttributesList(), "stargate.plugin"));
        assertEquals("unauthorized", OtlpReceiver.value(event.getAttributesList(), "stargate.error"));

        String allowed = randomHex(16);
        assertEquals(200, a.get("/guarded", "traceparent", "00-" + allowed + "-" + randomHex(8) + "-01",
                "apikey", "alice-key-123").statusCode());
        OtlpReceiver.Received authenticated = only(awaitSpans(allowed, 2), "node-a", Span.SpanKind.SPAN_KIND_SERVER);
        assertEquals("alice", authenticated.attribute("stargate.consumer"));
        assertEquals(0, authenticated.span().getEventsCount());
    }

    @Test
    void samplingIsParentBasedAtTheConfiguredRate() throws Exception {
        RunningNode a = node("a", route("r", upstreamUrl(), ""), Map.of(),
                "--otlp-endpoint", collector.grpcEndpoint(), "--trace-sample-rate", "0.25");
        int requests = 400;
        for (int i = 0; i < requests; i++) {
            assertEquals(200, a.get("/new/" + i).statusCode());
        }
        String sampledByCaller = randomHex(16);
        assertEquals(200, a.get("/kept", "traceparent", "00-" + sampledByCaller + "-" + randomHex(8) + "-01").statusCode());
        String refusedByCaller = randomHex(16);
        assertEquals(200, a.get("/dropped", "traceparent", "00-" + refusedByCaller + "-" + randomHex(8) + "-00")
                .statusCode());
        awaitSpans(sampledByCaller, 2);
        Thread.sleep(1500);     // a few export periods for any straggler
        long servers = collector.spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .filter(s -> s.attribute("url.path").startsWith("/new/")).count();
        // binomial(400, 0.25): mean 100, sd ~8.7; the bounds are ~5 sd away
        assertTrue(servers >= 55 && servers <= 145, "sampled " + servers + " of " + requests + " at rate 0.25");
        assertEquals(0, collector.spans(refusedByCaller).size(), "the caller said not sampled");
        String sentUp = seen.stream().map(h -> h.getFirst("traceparent"))
                .filter(t -> t.contains(refusedByCaller)).findFirst().orElseThrow();
        assertTrue(sentUp.endsWith("-00"), "not sampled, still propagated with this hop's span id: " + sentUp);
    }

    @Test
    void aCollectorThatIsDownOrHangsCostsTheRequestsNothing() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RunningNode down = node("down", route("r", upstreamUrl(), ""), Map.of(),
                "--otlp-endpoint", "http://127.0.0.1:" + closedPort, "--otlp-protocol", "http/protobuf");
        RunningNode hung = node("hung", route("r", upstreamUrl(), ""), Map.of("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
                "--otlp-endpoint", collector.httpEndpoint(), "--otlp-protocol", "http/protobuf");
        collector.hang();
        for (RunningNode node : List.of(down, hung)) {
            for (int i = 0; i < 50; i++) {
                long started = System.nanoTime();
                assertEquals(200, node.get("/x").statusCode());
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < 900, "a request took " + millis + " ms: the export must not be in its way");
            }
            RunningNode.eventually(EXPORTED, () -> {
                String metrics = node.adminGet("/metrics").body();
                String line = metrics.lines().filter(l -> l.startsWith("stargate_trace_spans_dropped_total "))
                        .findFirst().orElseThrow();
                assertNotEquals("stargate_trace_spans_dropped_total 0", line, "lost spans are counted");
            });
        }
        assertTrue(collector.spans.isEmpty());
    }
}
