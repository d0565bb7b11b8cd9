package stargate.node.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The hand-written OTLP encoding decodes with the real {@code opentelemetry-proto} classes, field by field, including
 * what takes the encoder's uncommon paths: values that are not ASCII, messages longer than 127 bytes (their length
 * needs a second byte), a batch that outgrows the buffer, a reused buffer, and the bounds on what a client's values
 * add (a value is cut, a big batch is split into several requests).
 */
class OtlpEncoderTest {
    private static final long EPOCH = 1_765_000_000_123_456_789L;

    private static ServerSpan server(long low, String path, String userAgent) {
        return new ServerSpan(0x0102030405060708L, low, 0x1112131415161718L, 0x2122232425262728L, true, EPOCH,
                "GET", path, true, "gw.example:8443", "203.0.113.7", "127.0.0.1", "2.0", userAgent);
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> map = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            map.put(kv.getKey(), kv.getValue().hasIntValue() ? Long.toString(kv.getValue().getIntValue())
                    : kv.getValue().getStringValue());
        }
        return map;
    }

    private static ExportTraceServiceRequest decode(OtlpEncoder encoded) throws Exception {
        return ExportTraceServiceRequest.parseFrom(
                ByteBuffer.wrap(encoded.bytes(), encoded.offset(), encoded.length()));
    }

    private static OtlpEncoder encoder() {
        Map<String, String> resource = new LinkedHashMap<>();
        resource.put("service.name", "node-é");
        resource.put("k".repeat(200), "v".repeat(300));
        return new OtlpEncoder(resource, "stargate-node", "1.2.3");
    }

    @Test
    void serverAndClientSpansDecodeFieldByField() throws Exception {
        String path = "/items/" + "x".repeat(300);
        ServerSpan server = server(0x090a0b0c0d0e0f10L, path, "agent-ü/1 ☃");
        server.route = "r-1";
        server.status = 503;
        server.requestId = "req-1";
        server.errorType = "503";
        server.rejectedEpochNanos = EPOCH + 5;
        server.rejectedStatus = 401;
        server.rejectedPlugin = "key-auth";
        server.rejectedError = "unauthorized";
        server.endEpochNanos = EPOCH + 1_000;
        server.traceState = "vendor=abc,other=1";
        ClientSpan client = new ClientSpan(server, 0x3132333435363738L, "GET", "up", "10.0.0.1", 8080,
                "http://10.0.0.1:8080/items", 2);
        client.errorType = "upstream_timeout";
        client.endEpochNanos = EPOCH + 900;

        OtlpEncoder encoder = encoder();
        assertEquals(2, encoder.encode(List.of(server, client), 0, false));
        ExportTraceServiceRequest request = decode(encoder);
        ResourceSpans resourceSpans = request.getResourceSpans(0);
        Map<String, String> resource = attributes(resourceSpans.getResource().getAttributesList());
        assertEquals("node-é", resource.get("service.name"));
        assertEquals("v".repeat(300), resource.get("k".repeat(200)));
        ScopeSpans scope = resourceSpans.getScopeSpans(0);
        assertEquals("stargate-node", scope.getScope().getName());
        assertEquals("1.2.3", scope.getScope().getVersion());
        assertEquals(2, scope.getSpansCount());

        Span s = scope.getSpans(0);
        assertEquals("0102030405060708090a0b0c0d0e0f10", HexFormat.of().formatHex(s.getTraceId().toByteArray()));
        assertEquals("1112131415161718", HexFormat.of().formatHex(s.getSpanId().toByteArray()));
        assertEquals("2122232425262728", HexFormat.of().formatHex(s.getParentSpanId().toByteArray()));
        assertEquals("vendor=abc,other=1", s.getTraceState());
        assertEquals("vendor=abc,other=1", scope.getSpans(1).getTraceState(), "the CLIENT span continues the same trace");
        assertEquals("GET r-1", s.getName());
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, s.getKind());
        assertEquals(EPOCH, s.getStartTimeUnixNano());
        assertEquals(EPOCH + 1_000, s.getEndTimeUnixNano());
        Map<String, String> a = attributes(s.getAttributesList());
        assertEquals(path, a.get("url.path"));
        assertEquals("agent-ü/1 ☃", a.get("user_agent.original"));
        assertEquals("https", a.get("url.scheme"));
        assertEquals("gw.example:8443", a.get("server.address"));
        assertEquals("203.0.113.7", a.get("client.address"));
        assertEquals("127.0.0.1", a.get("network.peer.address"));
        assertEquals("2.0", a.get("network.protocol.version"));
        assertEquals("503", a.get("http.response.status_code"));
        assertEquals("req-1", a.get("stargate.request_id"));
        assertEquals("r-1", a.get("stargate.route"));
        assertEquals("503", a.get("error.type"));
        assertFalse(a.containsKey("stargate.consumer"), "null: not written");
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, s.getStatus().getCode());
        assertEquals(1, s.getEventsCount());
        Span.Event event = s.getEvents(0);
        assertEquals("stargate.plugin.rejected", event.getName());
        assertEquals(EPOCH + 5, event.getTimeUnixNano());
        assertEquals(Map.of("http.response.status_code", "401", "stargate.plugin", "key-auth",
                "stargate.error", "unauthorized"), attributes(event.getAttributesList()));

        Span c = scope.getSpans(1);
        assertEquals(s.getTraceId(), c.getTraceId());
        assertEquals(s.getSpanId(), c.getParentSpanId());
        assertEquals("GET up", c.getName());
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, c.getKind());
        assertEquals(Map.of("http.request.method", "GET", "server.address", "10.0.0.1", "server.port", "8080",
                "url.full", "http://10.0.0.1:8080/items", "stargate.upstream", "up", "http.request.resend_count", "1",
                "error.type", "upstream_timeout"), attributes(c.getAttributesList()));
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, c.getStatus().getCode());
        assertTrue(c.getStartTimeUnixNano() >= EPOCH, "a child starts on its parent's clock");
    }

    @Test
    void aRootSpanHasNoParentAndAnOkSpanNoStatus() throws Exception {
        ServerSpan root = new ServerSpan(1, 2, 3, 0, true, EPOCH, "POST", "/", false, "h", "c", null, "1.1", null);
        root.status = 200;
        OtlpEncoder encoder = encoder();
        encoder.encode(List.of(root), 0, false);
        ExportTraceServiceRequest request = decode(encoder);
        Span s = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertTrue(s.getParentSpanId().isEmpty());
        assertEquals("POST", s.getName(), "no route matched");
        assertFalse(s.hasStatus());
        Map<String, String> a = attributes(s.getAttributesList());
        assertFalse(a.containsKey("user_agent.original") || a.containsKey("network.peer.address")
                || a.containsKey("stargate.route"), a.toString());
    }

    @Test
    void aBigBatchGrowsTheBufferAndTheBufferIsReused() throws Exception {
        OtlpEncoder encoder = encoder();
        List<RecordedSpan> big = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            ServerSpan span = server(i, "/p/" + i, "wrk");
            span.status = 200;
            big.add(span);
        }
        assertEquals(3000, encoder.encode(big, 0, false));
        ExportTraceServiceRequest first = decode(encoder);
        List<Span> spans = first.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertEquals(3000, spans.size());
        assertEquals("/p/3000", attributes(spans.get(2999).getAttributesList()).get("url.path"));

        ServerSpan one = server(7, "/again", "wrk");
        encoder.encode(List.of(one), 0, true);
        byte[] framed = Arrays.copyOfRange(encoder.bytes(), encoder.offset(), encoder.offset() + encoder.length());
        assertEquals(0, framed[0], "gRPC frame: not compressed");
        assertEquals(framed.length - 5, ByteBuffer.wrap(framed, 1, 4).getInt(), "gRPC frame: the message's length");
        ExportTraceServiceRequest second = ExportTraceServiceRequest.parseFrom(
                Arrays.copyOfRange(framed, 5, framed.length));
        List<Span> only = second.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertEquals(List.of("/again"), only.stream().map(s -> attributes(s.getAttributesList()).get("url.path"))
                .collect(Collectors.toList()), "nothing of the bigger batch before it");
    }

    @Test
    void clientChosenValuesAreCutAndABigBatchGoesInSeveralRequests() throws Exception {
        OtlpEncoder encoder = encoder();
        String huge = "/" + "a".repeat(8000);
        List<ServerSpan> spans = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            spans.add(server(i, huge, "u".repeat(5000)));
        }
        int from = 0;
        int requests = 0;
        long decoded = 0;
        while (from < spans.size()) {
            int next = encoder.encode(spans, from, true);
            assertTrue(next > from, "progress");
            assertTrue(encoder.length() < OtlpEncoder.MAX_REQUEST_BYTES + 8 * 1024, "one span past the limit at most");
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(ByteBuffer.wrap(
                    encoder.bytes(), encoder.offset() + 5, encoder.length() - 5));
            List<Span> got = request.getResourceSpans(0).getScopeSpans(0).getSpansList();
            assertEquals(next - from, got.size());
            Map<String, String> a = attributes(got.getFirst().getAttributesList());
            assertEquals(huge.substring(0, OtlpEncoder.MAX_VALUE_CHARS), a.get("url.path"));
            assertEquals(OtlpEncoder.MAX_VALUE_CHARS, a.get("user_agent.original").length());
            decoded += got.size();
            from = next;
            requests++;
        }
        assertEquals(3000, decoded);
        assertTrue(requests >= 3, "3000 spans of ~2 KiB: " + requests + " requests");
    }

    @Test
    void aTraceStateIsJoinedAndBoundedBeforeItIsExported() {
        assertEquals("a=1,b=2", Tracing.traceState(List.of("a=1", "b=2")));
        assertEquals("a=1", Tracing.traceState(List.of(" a=1 ")));
        assertEquals(null, Tracing.traceState(List.of("")));
        String max = "k=" + "v".repeat(Tracing.MAX_TRACE_STATE - 2);
        assertEquals(max, Tracing.traceState(List.of(max)));
        assertEquals(null, Tracing.traceState(List.of(max + "v")), "a client's oversized tracestate is not exported");
    }
}
