package stargate.node.trace;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.ServerRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import stargate.model.telemetry.JsonLogFormatter;
import stargate.model.telemetry.TracingOptions;
import stargate.node.config.Target;

/**
 * The node's tracer (SPEC §17). Spans are the OpenTelemetry SDK's; they are batched by {@link SpanQueue} and
 * exported over OTLP (gRPC or http/protobuf). Sampling is parent-based with a ratio for new traces. A span
 * that is not sampled still has a context, so the {@code traceparent} sent upstream always names this hop.
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
 * {@code tracestate} and {@code baggage} pass through to the upstream as the client sent them.
 */
public final class Tracing implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Tracing.class.getName());
    /**
     * The SDK's exporters log every failed batch at SEVERE; {@link SpanQueue} reports failures itself, once a
     * minute with the count. Held here: the logging framework keeps only weak references to loggers.
     */
    private static final Logger EXPORTER_LOG = Logger.getLogger("io.opentelemetry.exporter");
    /** Off: {@link #on()} is false; the request path checks it and makes no other call. */
    public static final Tracing OFF = new Tracing(null, null, null);
    /** How long a stopping node waits for the last spans to go out: a hung collector must not hold up a drain. */
    static final long CLOSE_MILLIS = 2_000;

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("stargate.route");
    static final AttributeKey<String> CONSUMER = AttributeKey.stringKey("stargate.consumer");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("stargate.request_id");
    static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("stargate.upstream");
    static final AttributeKey<String> PLUGIN = AttributeKey.stringKey("stargate.plugin");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("stargate.error");

    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    private static final HeaderName TRACESTATE = HeaderNames.create("tracestate");
    private static final TextMapGetter<ServerRequestHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ServerRequestHeaders carrier) {
            return List.of(TRACEPARENT.lowerCase(), TRACESTATE.lowerCase());
        }

        @Override
        public String get(ServerRequestHeaders carrier, String key) {
            if (carrier == null) {
                return null;
            }
            HeaderName name = switch (key) {
                case "traceparent" -> TRACEPARENT;
                case "tracestate" -> TRACESTATE;
                default -> HeaderNames.create(key);
            };
            // Several tracestate fields are one list (W3C §3.3.1.1); the propagator validates the result.
            List<String> values = carrier.contains(name) ? carrier.get(name).allValues() : List.of();
            return values.isEmpty() ? null : String.join(",", values);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final SpanQueue queue;

    private Tracing(SdkTracerProvider provider, Tracer tracer, SpanQueue queue) {
        this.provider = provider;
        this.tracer = tracer;
        this.queue = queue;
    }

    /**
     * Builds the SDK for {@code options}: {@link #OFF} when it names no endpoint.
     *
     * @param instanceId {@code service.instance.id}: the node id
     */
    public static Tracing start(TracingOptions options, String version, String instanceId) {
        if (!options.enabled()) {
            return OFF;
        }
        EXPORTER_LOG.setLevel(Level.OFF);
        SpanQueue queue = new SpanQueue(exporter(options), options.exportTimeout().toMillis(), CLOSE_MILLIS);
        AttributesBuilder resource = Attributes.builder();
        options.resourceAttributes().forEach(resource::put);
        resource.put("service.name", options.serviceName());
        resource.put("service.version", version);
        resource.put("service.instance.id", instanceId);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(options.sampleRate())))
                .addSpanProcessor(queue)
                .build();
        LOG.info("event=tracing_started endpoint=" + options.endpoint() + " protocol=" + options.protocol()
                + " sample_rate=" + options.sampleRate() + " service_name=" + options.serviceName());
        return new Tracing(provider, provider.get("stargate-node", version), queue);
    }

    private static SpanExporter exporter(TracingOptions options) {
        URI endpoint = options.endpoint();
        Duration timeout = options.exportTimeout();
        if (options.protocol() == TracingOptions.Protocol.GRPC) {
            var builder = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint.toString()).setTimeout(timeout)
                    .setConnectTimeout(timeout);
            options.headers().forEach(builder::addHeader);
            return builder.build();
        }
        var builder = OtlpHttpSpanExporter.builder().setEndpoint(endpoint.toString()).setTimeout(timeout)
                .setConnectTimeout(timeout);
        options.headers().forEach(builder::addHeader);
        return builder.build();
    }

    public boolean on() {
        return tracer != null;
    }

    /** Spans lost so far: queue full, or their export failed or timed out ({@code stargate_trace_spans_dropped_total}). */
    public long dropped() {
        return queue == null ? 0 : queue.dropped();
    }

    /** Starts the request's SERVER span, continuing the client's trace when its {@code traceparent} is valid. */
    public Span startServer(ServerRequest req, String method, String rawPath, String clientIp, String peerIp) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), req.headers(), HEADERS);
        var builder = tracer.spanBuilder(method).setSpanKind(SpanKind.SERVER).setParent(parent)
                .setAttribute(METHOD, method)
                .setAttribute(URL_PATH, rawPath)
                .setAttribute(URL_SCHEME, req.isSecure() ? "https" : "http")
                .setAttribute(SERVER_ADDRESS, req.authority())
                .setAttribute(CLIENT_ADDRESS, clientIp)
                .setAttribute(PROTOCOL_VERSION, req.prologue().protocolVersion());
        if (!peerIp.equals(clientIp)) {
            builder.setAttribute(PEER_ADDRESS, peerIp);      // a trusted proxy's; else it is client.address
        }
        req.headers().first(HeaderNames.USER_AGENT).ifPresent(agent -> builder.setAttribute(USER_AGENT, agent));
        return builder.startSpan();
    }

    /** Names the SERVER span after the route it matched. */
    public static void routed(Span server, String method, String routeId) {
        server.updateName(method + " " + routeId);
        server.setAttribute(ROUTE, routeId);
    }

    /** A plugin answered instead of the upstream: an event on the SERVER span. */
    public static void rejected(Span server, String plugin, int status, String error) {
        AttributesBuilder attributes = Attributes.builder().put(STATUS_CODE, status);
        if (plugin != null) {
            attributes.put(PLUGIN, plugin);
        }
        if (error != null) {
            attributes.put(ERROR, error);
        }
        server.addEvent("stargate.plugin.rejected", attributes.build());
    }

    /** Ends the SERVER span with the status sent and who the caller was (null when unauthenticated). */
    public static void endServer(Span server, int status, String requestId, String consumer) {
        server.setAttribute(STATUS_CODE, status);
        server.setAttribute(REQUEST_ID, requestId);
        if (consumer != null) {
            server.setAttribute(CONSUMER, consumer);
        }
        if (status >= 500) {
            server.setAttribute(ERROR_TYPE, Integer.toString(status));
            server.setStatus(StatusCode.ERROR);
        }
        server.end();
    }

    /**
     * Starts the CLIENT span of one upstream attempt, a child of the request's SERVER span.
     *
     * @param attempt 1 for the first try, 2 for the first retry...
     */
    public Span startAttempt(Span server, String method, String upstreamId, Target target, String upstreamPath,
                             int attempt) {
        String url = target.url();
        int query = upstreamPath.indexOf('?');
        String path = query < 0 ? upstreamPath : upstreamPath.substring(0, query);
        if (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        // What the SERVER span lacks and no more: each attribute is stored, copied and encoded once per span.
        var builder = tracer.spanBuilder(method + " " + upstreamId).setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(server))
                .setAttribute(METHOD, method)
                .setAttribute(SERVER_ADDRESS, target.pool().host())
                .setAttribute(SERVER_PORT, (long) target.pool().port())
                .setAttribute(URL_FULL, url + path)
                .setAttribute(UPSTREAM, upstreamId);
        if (attempt > 1) {
            builder.setAttribute(RESEND_COUNT, (long) attempt - 1);
        }
        return builder.startSpan();
    }

    /**
     * Ends an attempt's CLIENT span.
     *
     * @param status the upstream's status, or -1 when there was none
     * @param error  the gateway's error code when the attempt failed ({@code upstream_timeout}...), else null
     */
    public static void endAttempt(Span attempt, int status, String error) {
        if (status > 0) {
            attempt.setAttribute(STATUS_CODE, status);
        }
        if (error != null) {
            attempt.setAttribute(ERROR_TYPE, error);
            attempt.setStatus(StatusCode.ERROR);
        } else if (status >= 500) {
            attempt.setAttribute(ERROR_TYPE, Integer.toString(status));
            attempt.setStatus(StatusCode.ERROR);
        }
        attempt.end();
    }

    /** The ids of the span current on this thread (the request's, while it is served), null when none: for the log lines. */
    public static JsonLogFormatter.SpanIds currentSpan() {
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() ? new JsonLogFormatter.SpanIds(context.getTraceId(), context.getSpanId()) : null;
    }

    /** The W3C {@code traceparent} naming {@code span} as the parent: what the upstream receives. */
    public static String traceparent(Span span) {
        SpanContext context = span.getSpanContext();
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** Exports what is queued, waiting at most {@link #CLOSE_MILLIS}, and stops. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(CLOSE_MILLIS + 1000, TimeUnit.MILLISECONDS);
        }
    }
}
