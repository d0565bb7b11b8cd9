package stargate.controller.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.model.telemetry.TracingOptions;

/**
 * Controller spans (SPEC §17) exported over OTLP/HTTP to a real receiver on loopback decoding the real
 * protobuf: an admin API write is a SERVER span continuing the caller's trace; the committer's batch that
 * carries it is its child, and the etcd transaction the batch's, so a config change can be followed from the
 * API call to the etcd write.
 */
class ControllerTracingTest {
    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> services = new ConcurrentLinkedQueue<>();
    private HttpServer collector;

    @BeforeEach
    void start() throws Exception {
        TestController.get().clear();
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        collector.createContext("/v1/traces", exchange -> {
            try (exchange; InputStream body = exchange.getRequestBody()) {
                for (ResourceSpans resource : ExportTraceServiceRequest.parseFrom(body.readAllBytes()).getResourceSpansList()) {
                    services.add(value(resource.getResource().getAttributesList(), "service.name"));
                    for (ScopeSpans scope : resource.getScopeSpansList()) {
                        spans.addAll(scope.getSpansList());
                    }
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
        collector.start();
        Telemetry.start(TracingOptions.parse(
                Map.of("otlp-endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                        "otlp-protocol", "http/protobuf"), Map.of(), "stargate-controller"), "test");
    }

    @AfterEach
    void stop() {
        Telemetry.stop();
        collector.stop(0);
    }

    private static String value(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).findFirst()
                .map(kv -> kv.getValue().hasStringValue() ? kv.getValue().getStringValue()
                        : Long.toString(kv.getValue().getIntValue())).orElse(null);
    }

    private static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    @Test
    void anApiWriteAndItsEtcdTransactionsAreOneTrace() throws Exception {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        id[0] |= 1;
        String traceId = HexFormat.of().formatHex(id);
        String callerSpan = "00f067aa0ba902b7";
        Api.Reply reply = Api.admin().put("upstreams/users-svc",
                "{\"id\":\"users-svc\",\"targets\":[{\"url\":\"http://127.0.0.1:8081\"}]}",
                "traceparent", "00-" + traceId + "-" + callerSpan + "-01");
        assertTrue(reply.status() == 200 || reply.status() == 201, reply.toString());
        // the writer is answered inside the commit round, a moment before the round's span ends
        Thread.sleep(500);
        Telemetry.stop();       // flushes the batch

        List<Span> trace = spans.stream().filter(s -> hex(s.getTraceId()).equals(traceId)).toList();
        List<Span> servers = trace.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).toList();
        assertEquals(1, servers.size(), "one API span in " + trace);
        Span api = servers.getFirst();
        assertEquals("PUT /api/v1/upstreams/{id}", api.getName());
        assertEquals(callerSpan, hex(api.getParentSpanId()), "continues the caller's trace");
        assertEquals(Integer.toString(reply.status()), value(api.getAttributesList(), "http.response.status_code"));
        // the write is queued to the committer thread (group commit): its batch span continues the writer's trace
        // (a round that loses a race with another writer, or must first read the config, is followed by another)
        List<Span> commits = trace.stream().filter(s -> s.getName().equals("config commit")).toList();
        assertFalse(commits.isEmpty(), "a commit batch in " + trace);
        List<String> under = new java.util.ArrayList<>(List.of(hex(api.getSpanId())));
        for (Span commit : commits) {
            assertEquals(hex(api.getSpanId()), hex(commit.getParentSpanId()));
            under.add(hex(commit.getSpanId()));
        }
        List<Span> etcd = trace.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).toList();
        for (Span call : etcd) {
            assertTrue(under.contains(hex(call.getParentSpanId())), call.getName() + " is under the API call");
            assertEquals("etcd", value(call.getAttributesList(), "db.system.name"));
        }
        Span write = etcd.stream().filter(s -> s.getName().equals("etcd writing the config")).findFirst()
                .orElseThrow(() -> new AssertionError("the write transaction: " + etcd.stream().map(Span::getName).toList()));
        assertTrue(under.subList(1, under.size()).contains(hex(write.getParentSpanId())), "the etcd write is a batch's child");
        assertTrue(services.contains("stargate-controller"));
    }
}
