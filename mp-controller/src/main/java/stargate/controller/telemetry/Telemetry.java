package stargate.controller.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import stargate.model.telemetry.JsonLogFormatter;
import stargate.model.telemetry.TracingOptions;

/**
 * The controller's tracer: one per process, set by {@link #start} (a no-op tracer until then and with tracing
 * off). Export is the SDK's batch processor with a bounded queue (2048 spans): the admin API's rate is far
 * below the node's, and a full queue or a dead collector costs spans, never a request.
 */
public final class Telemetry {
    private static final Logger LOG = Logger.getLogger(Telemetry.class.getName());
    static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    /** The exporter logs every failed batch at SEVERE with a stack trace; one line a batch is enough. */
    private static final Logger EXPORTER_LOG = Logger.getLogger("io.opentelemetry.exporter");
    private static volatile Tracer tracer = TracerProvider.noop().get("stargate-controller");
    private static volatile SdkTracerProvider provider;

    private Telemetry() {
    }

    /** Starts export as {@code options} say (nothing without an endpoint); replaces an earlier start. */
    public static synchronized void start(TracingOptions options, String version) {
        stop();
        if (!options.enabled()) {
            return;
        }
        EXPORTER_LOG.setLevel(java.util.logging.Level.WARNING);
        AttributesBuilder resource = Attributes.builder();
        options.resourceAttributes().forEach(resource::put);
        resource.put("service.name", options.serviceName());
        resource.put("service.version", version);
        SdkTracerProvider started = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(options.sampleRate())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter(options)).setMaxQueueSize(2048)
                        .setExporterTimeout(options.exportTimeout()).build())
                .build();
        provider = started;
        tracer = started.get("stargate-controller", version);
        LOG.info("event=tracing_started endpoint=" + options.endpoint() + " protocol=" + options.protocol()
                + " sample_rate=" + options.sampleRate() + " service_name=" + options.serviceName());
    }

    private static SpanExporter exporter(TracingOptions options) {
        if (options.protocol() == TracingOptions.Protocol.GRPC) {
            var builder = OtlpGrpcSpanExporter.builder().setEndpoint(options.endpoint().toString())
                    .setTimeout(options.exportTimeout());
            options.headers().forEach(builder::addHeader);
            return builder.build();
        }
        var builder = OtlpHttpSpanExporter.builder().setEndpoint(options.endpoint().toString())
                .setTimeout(options.exportTimeout());
        options.headers().forEach(builder::addHeader);
        return builder.build();
    }

    /** Exports what is queued (at most 2 s: a hung collector must not hold up a stop) and stops. */
    public static synchronized void stop() {
        SdkTracerProvider running = provider;
        if (running != null) {
            provider = null;
            tracer = TracerProvider.noop().get("stargate-controller");
            running.shutdown().join(2, TimeUnit.SECONDS);
        }
    }

    /** The ids of the span current on this thread (an API request's, a GitOps pass's), null when none: for the log lines. */
    public static JsonLogFormatter.SpanIds currentSpan() {
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() ? new JsonLogFormatter.SpanIds(context.getTraceId(), context.getSpanId()) : null;
    }

    static Tracer tracer() {
        return tracer;
    }

    /**
     * Runs one etcd call in a CLIENT span, a child of the current span (the API request's, or a GitOps pass's).
     *
     * @param what what the call does, e.g. {@code writing the config}
     */
    public static <T> T etcd(String what, Supplier<T> call) {
        Span span = tracer.spanBuilder("etcd " + what).setSpanKind(SpanKind.CLIENT)
                .setAttribute(DB_SYSTEM, "etcd").setAttribute(DB_OPERATION, what).startSpan();
        return inSpan(span, call);
    }

    /**
     * Runs one batch of queued writes (the admin API's group commit) in an INTERNAL span: a child of the first
     * writer's trace, linked to every other writer's, so each API call leads to the etcd write that carried it.
     */
    public static <T> T batch(String name, List<Context> writers, Supplier<T> round) {
        var builder = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL)
                .setParent(writers.isEmpty() ? Context.root() : writers.getFirst())
                .setAttribute("stargate.batch.writes", (long) writers.size());
        for (int i = 1; i < writers.size(); i++) {
            SpanContext writer = Span.fromContext(writers.get(i)).getSpanContext();
            if (writer.isValid()) {
                builder.addLink(writer);
            }
        }
        return inSpan(builder.startSpan(), round);
    }

    /** Runs one GitOps pass in an INTERNAL span ({@code gitops sync}). */
    public static <T> T gitSync(boolean forced, Supplier<T> pass) {
        Span span = tracer.spanBuilder("gitops sync").setSpanKind(SpanKind.INTERNAL)
                .setAttribute("stargate.gitops.forced", forced).startSpan();
        return inSpan(span, pass);
    }

    private static <T> T inSpan(Span span, Supplier<T> call) {
        try (Scope ignored = span.makeCurrent()) {
            return call.get();
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            span.setAttribute("error.type", e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}
