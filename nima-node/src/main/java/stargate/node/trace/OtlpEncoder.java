package stargate.node.trace;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a batch of spans as one OTLP {@code ExportTraceServiceRequest} (opentelemetry-proto
 * {@code collector/trace/v1}) into one buffer reused batch after batch. The spans have two fixed shapes, so the
 * protobuf is written by hand: attribute keys and the resource are encoded once, ids go out as the longs they are,
 * and a nested message's length is written after its body (one byte reserved; the body moves in the rare case it
 * needs more), so nothing is sized twice. Only the fields below are written; the receiver tests decode the result
 * with the real {@code opentelemetry-proto} classes.
 */
final class OtlpEncoder {
    // field tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited)
    private static final int REQUEST_RESOURCE_SPANS = 1 << 3 | 2;
    private static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | 2;
    private static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | 2;
    private static final int RESOURCE_ATTRIBUTES = 1 << 3 | 2;
    private static final int SCOPE_SPANS_SCOPE = 1 << 3 | 2;
    private static final int SCOPE_SPANS_SPANS = 2 << 3 | 2;
    private static final int SCOPE_NAME = 1 << 3 | 2;
    private static final int SCOPE_VERSION = 2 << 3 | 2;
    private static final int SPAN_TRACE_ID = 1 << 3 | 2;
    private static final int SPAN_SPAN_ID = 2 << 3 | 2;
    private static final int SPAN_TRACE_STATE = 3 << 3 | 2;
    private static final int SPAN_PARENT_SPAN_ID = 4 << 3 | 2;
    private static final int SPAN_NAME = 5 << 3 | 2;
    private static final int SPAN_KIND = 6 << 3;
    private static final int SPAN_START = 7 << 3 | 1;
    private static final int SPAN_END = 8 << 3 | 1;
    private static final int SPAN_ATTRIBUTES = 9 << 3 | 2;
    private static final int SPAN_EVENTS = 11 << 3 | 2;
    private static final int SPAN_STATUS = 15 << 3 | 2;
    private static final int EVENT_TIME = 1 << 3 | 1;
    private static final int EVENT_NAME = 2 << 3 | 2;
    private static final int EVENT_ATTRIBUTES = 3 << 3 | 2;
    private static final int KEY_VALUE_KEY = 1 << 3 | 2;
    private static final int KEY_VALUE_VALUE = 2 << 3 | 2;
    private static final int ANY_STRING = 1 << 3 | 2;
    private static final int ANY_INT = 3 << 3;
    private static final int STATUS_CODE = 3 << 3;
    private static final int KIND_SERVER = 2;
    private static final int KIND_CLIENT = 3;
    private static final int STATUS_ERROR = 2;

    // attribute keys, each pre-encoded as KeyValue.key (HTTP semantic conventions, stable names)
    private static final byte[] METHOD = key("http.request.method");
    private static final byte[] URL_PATH = key("url.path");
    private static final byte[] URL_SCHEME = key("url.scheme");
    private static final byte[] URL_FULL = key("url.full");
    private static final byte[] SERVER_ADDRESS = key("server.address");
    private static final byte[] SERVER_PORT = key("server.port");
    private static final byte[] CLIENT_ADDRESS = key("client.address");
    private static final byte[] PEER_ADDRESS = key("network.peer.address");
    private static final byte[] PROTOCOL_VERSION = key("network.protocol.version");
    private static final byte[] USER_AGENT = key("user_agent.original");
    private static final byte[] STATUS = key("http.response.status_code");
    private static final byte[] RESEND_COUNT = key("http.request.resend_count");
    private static final byte[] ERROR_TYPE = key("error.type");
    private static final byte[] ROUTE = key("stargate.route");
    private static final byte[] CONSUMER = key("stargate.consumer");
    private static final byte[] REQUEST_ID = key("stargate.request_id");
    private static final byte[] UPSTREAM = key("stargate.upstream");
    private static final byte[] PLUGIN = key("stargate.plugin");
    private static final byte[] ERROR = key("stargate.error");
    private static final String REJECTED_EVENT = "stargate.plugin.rejected";

    /**
     * Longest attribute value written, in chars; longer ones are cut (as the SDK's {@code SpanLimits} would). A
     * client chooses the path, {@code Host} and {@code User-Agent}: this bounds what one request adds to a batch.
     */
    static final int MAX_VALUE_CHARS = 1024;
    /**
     * A request stops taking spans past this many bytes: collectors refuse big messages (gRPC's default limit is
     * 4 MiB), and the buffer kept between batches stays this size.
     */
    static final int MAX_REQUEST_BYTES = 2 << 20;

    /** {@code Resource} and {@code InstrumentationScope} message bodies: the same in every batch. */
    private final byte[] resource;
    private final byte[] scope;
    /** Room kept before the spans for the enclosing messages and a gRPC frame's prefix. */
    private final int head;
    private byte[] buf = new byte[1024];
    private int pos;
    /** Where the last encoded request starts in {@link #buf}, and its length. */
    private int offset;
    private int length;

    /** @param resource the resource attributes ({@code service.name} ...), in order */
    OtlpEncoder(Map<String, String> resource, String scopeName, String scopeVersion) {
        for (Map.Entry<String, String> attribute : resource.entrySet()) {
            keyValue(RESOURCE_ATTRIBUTES, key(attribute.getKey()), attribute.getValue());
        }
        this.resource = Arrays.copyOf(buf, pos);
        pos = 0;
        string(SCOPE_NAME, scopeName);
        string(SCOPE_VERSION, scopeVersion);
        this.scope = Arrays.copyOf(buf, pos);
        // the heads of the three enclosing messages (tag and length, at most 1 + 5 bytes each) and a gRPC prefix
        this.head = 5 + 4 * 6 + this.resource.length + scope.length;
    }

    /**
     * Encodes {@code spans} from {@code from} into one request, {@link #bytes()} from {@link #offset()} for
     * {@link #length()} bytes until the next call, stopping after the span that passes {@link #MAX_REQUEST_BYTES}.
     *
     * @return the index of the first span not encoded: {@code spans.size()} when all were
     */
    int encode(List<? extends RecordedSpan> spans, int from, boolean grpcFrame) {
        pos = head;
        ensure(head);
        int next = from;
        while (next < spans.size() && pos - head < MAX_REQUEST_BYTES) {
            span(spans.get(next++));
        }
        int spansLength = pos - head;
        int scopeSpans = 1 + varintSize(scope.length) + scope.length + spansLength;
        int resourceSpans = 1 + varintSize(resource.length) + resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
        int end = pos;
        // the enclosing messages' heads, written just before the spans
        pos = head - (1 + varintSize(resourceSpans) + 1 + varintSize(resource.length) + resource.length
                + 1 + varintSize(scopeSpans) + 1 + varintSize(scope.length) + scope.length);
        int start = pos;
        tag(REQUEST_RESOURCE_SPANS);
        varint(resourceSpans);
        bytes(RESOURCE_SPANS_RESOURCE, resource);
        tag(RESOURCE_SPANS_SCOPE_SPANS);
        varint(scopeSpans);
        bytes(SCOPE_SPANS_SCOPE, scope);
        if (grpcFrame) {        // gRPC message prefix: not compressed, 4-byte big-endian length
            int length = end - start;
            start -= 5;
            buf[start] = 0;
            buf[start + 1] = (byte) (length >>> 24);
            buf[start + 2] = (byte) (length >>> 16);
            buf[start + 3] = (byte) (length >>> 8);
            buf[start + 4] = (byte) length;
        }
        this.offset = start;
        this.length = end - start;
        return next;
    }

    byte[] bytes() {
        return buf;
    }

    int offset() {
        return offset;
    }

    int length() {
        return length;
    }

    private void span(RecordedSpan span) {
        tag(SCOPE_SPANS_SPANS);
        int mark = open();
        ensure(2 + 16 + 2 + 8 + 2 + 8 + 2 * 9 + 2);
        buf[pos++] = SPAN_TRACE_ID;
        buf[pos++] = 16;
        bigEndian(span.traceIdHigh);
        bigEndian(span.traceIdLow);
        buf[pos++] = SPAN_SPAN_ID;
        buf[pos++] = 8;
        bigEndian(span.spanId);
        if (span.parentSpanId != 0) {
            buf[pos++] = SPAN_PARENT_SPAN_ID;
            buf[pos++] = 8;
            bigEndian(span.parentSpanId);
        }
        buf[pos++] = SPAN_START;
        littleEndian(span.startEpochNanos);
        buf[pos++] = SPAN_END;
        littleEndian(span.endEpochNanos);
        if (span.traceState != null) {
            string(SPAN_TRACE_STATE, span.traceState);
        }
        switch (span) {
            case ServerSpan server -> server(server);
            case ClientSpan client -> client(client);
        }
        if (span.errorType != null) {
            keyValue(SPAN_ATTRIBUTES, ERROR_TYPE, span.errorType);
            ensure(4);
            buf[pos++] = SPAN_STATUS;
            buf[pos++] = 2;
            buf[pos++] = STATUS_CODE;
            buf[pos++] = STATUS_ERROR;
        }
        close(mark);
    }

    private void server(ServerSpan span) {
        string(SPAN_NAME, span.route == null ? span.method : span.method + " " + span.route);
        tag(SPAN_KIND);
        varint(KIND_SERVER);
        keyValue(SPAN_ATTRIBUTES, METHOD, span.method);
        keyValue(SPAN_ATTRIBUTES, URL_PATH, span.path);
        keyValue(SPAN_ATTRIBUTES, URL_SCHEME, span.secure ? "https" : "http");
        keyValue(SPAN_ATTRIBUTES, SERVER_ADDRESS, span.authority);
        keyValue(SPAN_ATTRIBUTES, CLIENT_ADDRESS, span.clientIp);
        keyValue(SPAN_ATTRIBUTES, PEER_ADDRESS, span.peerIp);
        keyValue(SPAN_ATTRIBUTES, PROTOCOL_VERSION, span.protocolVersion);
        keyValue(SPAN_ATTRIBUTES, USER_AGENT, span.userAgent);
        keyValue(SPAN_ATTRIBUTES, ROUTE, span.route);
        keyValue(SPAN_ATTRIBUTES, STATUS, span.status);
        keyValue(SPAN_ATTRIBUTES, REQUEST_ID, span.requestId);
        keyValue(SPAN_ATTRIBUTES, CONSUMER, span.consumer);
        if (span.rejectedEpochNanos != 0) {
            tag(SPAN_EVENTS);
            int mark = open();
            ensure(9);
            buf[pos++] = EVENT_TIME;
            littleEndian(span.rejectedEpochNanos);
            string(EVENT_NAME, REJECTED_EVENT);
            keyValue(EVENT_ATTRIBUTES, STATUS, span.rejectedStatus);
            keyValue(EVENT_ATTRIBUTES, PLUGIN, span.rejectedPlugin);
            keyValue(EVENT_ATTRIBUTES, ERROR, span.rejectedError);
            close(mark);
        }
    }

    private void client(ClientSpan span) {
        string(SPAN_NAME, span.method + " " + span.upstream);
        tag(SPAN_KIND);
        varint(KIND_CLIENT);
        keyValue(SPAN_ATTRIBUTES, METHOD, span.method);
        keyValue(SPAN_ATTRIBUTES, SERVER_ADDRESS, span.host);
        keyValue(SPAN_ATTRIBUTES, SERVER_PORT, span.port);
        keyValue(SPAN_ATTRIBUTES, URL_FULL, span.url);
        keyValue(SPAN_ATTRIBUTES, UPSTREAM, span.upstream);
        if (span.attempt > 1) {
            keyValue(SPAN_ATTRIBUTES, RESEND_COUNT, span.attempt - 1);
        }
        if (span.status > 0) {
            keyValue(SPAN_ATTRIBUTES, STATUS, span.status);
        }
    }

    /** A {@code KeyValue} with a string value; nothing when the value is null. */
    private void keyValue(int tag, byte[] key, String value) {
        if (value == null) {
            return;
        }
        tag(tag);
        int keyValue = open();
        raw(key);
        tag(KEY_VALUE_VALUE);
        int any = open();
        string(ANY_STRING, value.length() > MAX_VALUE_CHARS ? value.substring(0, MAX_VALUE_CHARS) : value);
        close(any);
        close(keyValue);
    }

    /** A {@code KeyValue} with an int value. */
    private void keyValue(int tag, byte[] key, long value) {
        tag(tag);
        int keyValue = open();
        raw(key);
        tag(KEY_VALUE_VALUE);
        int any = open();
        tag(ANY_INT);
        varint(value);
        close(any);
        close(keyValue);
    }

    /** Reserves one byte for the length of the message that starts here. */
    private int open() {
        ensure(1);
        return pos++;
    }

    /** Writes the length of the message opened at {@code mark}, moving its body when the length needs more than a byte. */
    private void close(int mark) {
        int length = pos - mark - 1;
        if (length < 0x80) {
            buf[mark] = (byte) length;
            return;
        }
        int extra = varintSize(length) - 1;
        ensure(extra);
        System.arraycopy(buf, mark + 1, buf, mark + 1 + extra, length);
        int end = pos + extra;
        pos = mark;
        varint(length);
        pos = end;
    }

    private void string(int tag, String value) {
        int n = value.length();
        ensure(1 + 5 + n);
        buf[pos++] = (byte) tag;
        int at = pos + varintSize(n);
        for (int i = 0; i < n; i++) {           // ASCII, the usual case: written as it is read
            char c = value.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                varint(utf8.length);
                raw(utf8);
                return;
            }
            buf[at + i] = (byte) c;
        }
        varint(n);
        pos += n;
    }

    private void bytes(int tag, byte[] value) {
        tag(tag);
        varint(value.length);
        raw(value);
    }

    private void raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, pos, value.length);
        pos += value.length;
    }

    private void tag(int tag) {
        ensure(1);
        buf[pos++] = (byte) tag;        // every tag here is below 128: one byte
    }

    private void varint(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf[pos++] = (byte) value;
    }

    private static int varintSize(int value) {
        return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
    }

    private void bigEndian(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (value >>> shift);
        }
    }

    private void littleEndian(long value) {
        for (int shift = 0; shift < 64; shift += 8) {
            buf[pos++] = (byte) (value >>> shift);
        }
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    /** A pre-encoded {@code KeyValue.key} field. */
    private static byte[] key(String name) {
        OtlpEncoder field = new OtlpEncoder();
        field.string(KEY_VALUE_KEY, name);
        return Arrays.copyOf(field.buf, field.pos);
    }

    /** A scratch writer, for {@link #key}. */
    private OtlpEncoder() {
        this.resource = null;
        this.scope = null;
        this.head = 0;
    }
}
