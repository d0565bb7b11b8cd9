package stargate.node.trace;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import stargate.model.telemetry.JsonLogFormatter;
import stargate.model.telemetry.TracingOptions;
import stargate.node.config.Target;

/**
 * The node's tracer (SPEC §17). A span is a {@link RecordedSpan}: plain fields filled while the request runs,
 * batched by {@link SpanQueue}, written as OTLP protobuf by {@link OtlpEncoder} and sent over OTLP (gRPC or
 * http/protobuf) by {@link OtlpSender}. The OpenTelemetry SDK did the same for ~3x the CPU (attribute maps, context
 * objects, a generic marshaller: 23 us against 7 us more than an untraced request in one run, bench/README.md,
 * "Tracing cost"), over the 10% budget of SPEC §12. Attribute values are cut at
 * {@link OtlpEncoder#MAX_VALUE_CHARS} chars. Ids come from {@link ThreadLocalRandom}, as the SDK's default id generator's do. Sampling is
 * parent-based with a ratio for new traces, decided as the SDK's {@code parentbased_traceidratio} decides (the
 * trace id's low 64 bits against the ratio). A span that is not sampled still has ids, so the
 * {@code traceparent} sent upstream always names this hop.
 *
 * <p>Span shapes (HTTP semantic conventions, stable attribute names):
 * <ul>
 *   <li>SERVER, one per request, named {@code METHOD route-id} ({@code METHOD} when no route matched), child
 *       of the client's {@code traceparent} when it sent a valid one: {@code http.request.method},
 *       {@code url.path} (as the client sent it), {@code url.scheme}, {@code server.address},
 *       {@code client.address}, {@code network.peer.address} (only when it differs: a trusted proxy's),
 *       {@code network.protocol.version},
 *       {@code user_agent.original}, {@code http.response.status_code}, {@code stargate.route},
 *       {@code stargate.consumer}, {@code stargate.request_id}; status ERROR and {@code error.type} on 5xx;
 *       an event {@code stargate.plugin.rejected} when a plugin answered instead of the upstream.</li>
 *   <li>CLIENT, one per upstream attempt (retries are siblings), named {@code METHOD upstream-id}, its
 *       context sent upstream as {@code traceparent}: {@code http.request.method}, {@code server.address},
 *       {@code server.port}, {@code url.full} (target and path, without the query: it may carry secrets),
 *       {@code http.request.resend_count} (from the second attempt), {@code stargate.upstream},
 *       {@code http.response.status_code}; {@code error.type} and status ERROR when the attempt failed. No
 *       attribute repeats what the SERVER span or another attribute says (each costs CPU per span).</li>
 * </ul>
 * {@code tracestate} and {@code baggage} pass through to the upstream as the client sent them; the exported
 * spans of a continued trace carry its {@code tracestate} as {@code trace_state} (up to 512 characters). The resource is {@code service.name}, {@code service.version},
 * {@code service.instance.id}, {@code telemetry.sdk.*} and {@code OTEL_RESOURCE_ATTRIBUTES}; the instrumentation
 * scope is {@code stargate-node} and the version.
 */
public final class Tracing implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Tracing.class.getName());
    /** Off: {@link #on()} is false; the request path checks it and makes no other call. */
    public static final Tracing OFF = new Tracing(null, 0);
    /** How long a stopping node waits for the last spans to go out: a hung collector must not hold up a drain. */
    static final long CLOSE_MILLIS = 2_000;
    /** The SERVER span of the request this thread serves, for the log lines' ids ({@code --log-format json}). */
    private static final ThreadLocal<ServerSpan> CURRENT = new ThreadLocal<>();
    private static final Current NONE = () -> { };
    private static final Current CLEAR = CURRENT::remove;
    private static final Clock CLOCK = Clock.systemUTC();
    private static final HeaderName TRACESTATE = HeaderNames.create("tracestate");
    /** W3C trace context: every hop carries at least 512 characters of {@code tracestate}; longer ones may be cut. */
    static final int MAX_TRACE_STATE = 512;

    private final SpanQueue queue;
    /** New traces whose trace id's low 64 bits (absolute) are below this are sampled. */
    private final long sampleBound;

    private Tracing(SpanQueue queue, long sampleBound) {
        this.queue = queue;
        this.sampleBound = sampleBound;
    }

    /** Ends what {@link #current} made current; closes without an exception. */
    public interface Current extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Starts the export for {@code options}: {@link #OFF} when it names no endpoint.
     *
     * @param instanceId {@code service.instance.id}: the node id
     */
    public static Tracing start(TracingOptions options, String version, String instanceId) {
        if (!options.enabled()) {
            return OFF;
        }
        Map<String, String> resource = new LinkedHashMap<>(options.resourceAttributes());
        resource.put("service.name", options.serviceName());
        resource.put("service.version", version);
        resource.put("service.instance.id", instanceId);
        resource.put("telemetry.sdk.name", "stargate");
        resource.put("telemetry.sdk.language", "java");
        resource.put("telemetry.sdk.version", version);
        SpanQueue queue = new SpanQueue(new OtlpEncoder(resource, "stargate-node", version),
                new OtlpSender(options, "stargate-node/" + version), CLOSE_MILLIS);
        LOG.info("event=tracing_started endpoint=" + options.endpoint() + " protocol=" + options.protocol()
                + " sample_rate=" + options.sampleRate() + " service_name=" + options.serviceName());
        return new Tracing(queue, sampleBound(options.sampleRate()));
    }

    /** As the SDK's {@code TraceIdRatioBasedSampler}: 1 samples every trace, 0 none. */
    private static long sampleBound(double rate) {
        return rate <= 0 ? Long.MIN_VALUE : rate >= 1 ? Long.MAX_VALUE : (long) (rate * Long.MAX_VALUE);
    }

    public boolean on() {
        return queue != null;
    }

    /** Spans lost so far: queue full, or their export failed or timed out ({@code stargate_trace_spans_dropped_total}). */
    public long dropped() {
        return queue == null ? 0 : queue.dropped();
    }

    /** Starts the request's SERVER span, continuing the client's trace when its {@code traceparent} is valid. */
    public ServerSpan startServer(ServerRequest req, String method, String rawPath, String clientIp, String peerIp) {
        ServerRequestHeaders headers = req.headers();
        // Two traceparent fields are invalid (W3C §3.2): a field that is not exactly one value starts a new trace.
        List<String> sent = headers.contains(TraceParent.HEADER) ? headers.get(TraceParent.HEADER).allValues() : List.of();
        TraceParent.Parent parent = sent.size() == 1 ? TraceParent.parse(sent.getFirst()) : null;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high;
        long low;
        boolean sampled;
        if (parent != null) {
            high = parent.traceIdHigh();
            low = parent.traceIdLow();
            sampled = parent.sampled();
        } else {
            high = random.nextLong();
            low = TraceParent.nonZero(random);
            sampled = Math.abs(low) < sampleBound;
        }
        Instant now = CLOCK.instant();
        ServerSpan span = new ServerSpan(high, low, TraceParent.nonZero(random), parent == null ? 0 : parent.spanId(),
                sampled, now.getEpochSecond() * 1_000_000_000L + now.getNano(), method, rawPath, req.isSecure(),
                req.authority(), clientIp, peerIp.equals(clientIp) ? null : peerIp, req.prologue().protocolVersion(),
                headers.first(HeaderNames.USER_AGENT).orElse(null));
        if (parent != null && sampled && headers.contains(TRACESTATE)) {
            span.traceState = traceState(headers.get(TRACESTATE).allValues());
        }
        return span;
    }

    /**
     * The {@code tracestate} fields as one list (W3C: several fields are joined with commas), or null when it is
     * longer than the 512 characters W3C asks every hop to carry: the client chooses it, the export is bounded.
     */
    static String traceState(List<String> fields) {
        String joined = fields.size() == 1 ? fields.getFirst().strip() : String.join(",", fields).strip();
        return joined.isEmpty() || joined.length() > MAX_TRACE_STATE ? null : joined;
    }

    /**
     * Makes {@code server} the span this thread's log lines name until the result is closed.
     *
     * @param server null: none (tracing off)
     */
    public static Current current(ServerSpan server) {
        if (server == null) {
            return NONE;
        }
        CURRENT.set(server);
        return CLEAR;
    }

    /** Names the SERVER span after the route it matched. */
    public static void routed(ServerSpan server, String routeId) {
        server.route = routeId;
    }

    /** A plugin answered instead of the upstream: an event on the SERVER span. */
    public static void rejected(ServerSpan server, String plugin, int status, String error) {
        server.rejectedEpochNanos = server.epochNanosNow();
        server.rejectedStatus = status;
        server.rejectedPlugin = plugin;
        server.rejectedError = error;
    }

    /** Ends the SERVER span with the status sent and who the caller was (null when unauthenticated). */
    public void endServer(ServerSpan server, int status, String requestId, String consumer) {
        server.status = status;
        server.requestId = requestId;
        server.consumer = consumer;
        if (status >= 500) {
            server.errorType = Integer.toString(status);
        }
        end(server);
    }

    /**
     * Starts the CLIENT span of one upstream attempt, a child of the request's SERVER span.
     *
     * @param attempt 1 for the first try, 2 for the first retry...
     */
    public ClientSpan startAttempt(ServerSpan server, String method, String upstreamId, Target target,
                                   String upstreamPath, int attempt) {
        // url.full is exported only with a sampled span: an unsampled attempt keeps its ids (they go upstream) and no string
        String url = server.sampled ? urlWithoutQuery(target, upstreamPath) : null;
        return new ClientSpan(server, TraceParent.nonZero(ThreadLocalRandom.current()), method, upstreamId, target.pool().host(),
                target.pool().port(), url, attempt);
    }

    private static String urlWithoutQuery(Target target, String upstreamPath) {
        String url = target.url();
        int query = upstreamPath.indexOf('?');
        String path = query < 0 ? upstreamPath : upstreamPath.substring(0, query);
        return (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + path;
    }

    /**
     * Ends an attempt's CLIENT span.
     *
     * @param status the upstream's status, or -1 when there was none
     * @param error  the gateway's error code when the attempt failed ({@code upstream_timeout}...), else null
     */
    public void endAttempt(ClientSpan attempt, int status, String error) {
        attempt.status = Math.max(status, 0);
        if (error != null) {
            attempt.errorType = error;
        } else if (status >= 500) {
            attempt.errorType = Integer.toString(status);
        }
        end(attempt);
    }

    private void end(RecordedSpan span) {
        if (span.sampled) {
            span.endEpochNanos = span.epochNanosNow();
            queue.add(span);
        }
    }

    /** The ids of the request this thread serves, null when none: for the log lines. */
    public static JsonLogFormatter.SpanIds currentSpan() {
        ServerSpan span = CURRENT.get();
        return span == null ? null : new JsonLogFormatter.SpanIds(span.traceId(), span.spanId());
    }

    /** The W3C {@code traceparent} naming {@code span} as the parent: what the upstream receives. */
    public static String traceparent(ClientSpan span) {
        return TraceParent.format(span.traceIdHigh, span.traceIdLow, span.spanId, span.sampled ? 1 : 0);
    }

    /** Exports what is queued, waiting at most {@link #CLOSE_MILLIS}, and stops. */
    @Override
    public void close() {
        if (queue != null) {
            queue.close();
        }
    }
}
