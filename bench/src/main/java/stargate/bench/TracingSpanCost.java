package stargate.bench;

import com.sun.management.OperatingSystemMXBean;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

/**
 * Where a traced request's CPU goes inside the OpenTelemetry SDK, without the node, Helidon or sockets on the
 * request side: the floor the SDK set under {@code stargate.node.trace} until session 7, when the node's own spans
 * and OTLP encoder replaced it (bench/README.md, "Tracing cost"); kept as that reference. One "request" makes the node's two
 * spans (a SERVER span with the node's SERVER attributes, made current, and a CLIENT child with the CLIENT
 * attributes, its {@code traceparent} formatted) and hands them to a bounded queue as the node's span queue
 * does; that part is timed with the thread's CPU clock. Then the spans are exported as the node's export
 * thread does (batches of 2,048: {@code toSpanData}, OTLP marshalling, the POST to a collector), timed with
 * the process's CPU clock (the sender's own threads and the GC count too). A busy machine disturbs CPU
 * clocks far less than wall time; rounds alternate the variants and medians are printed.
 *
 * <pre>java -cp ... stargate.bench.TracingSpanCost ENDPOINT [rounds] [requests per round] [variant...]</pre>
 * ENDPOINT is a collector's base URL ({@code http://127.0.0.1:4318}); it must answer 200 to
 * {@code POST /v1/traces} (and speak gRPC for the grpc variants). Variants: {@code SENDER-PROTOCOL-SHAPE}
 * with SENDER {@code jdk|okhttp}, PROTOCOL {@code http|grpc} (gRPC is OkHttp's), SHAPE {@code before}
 * (9 CLIENT attributes: with {@code stargate.target} and {@code stargate.attempt}) or {@code now}
 * (the node's shape since: 6).
 */
public final class TracingSpanCost {
    private static final int BATCH = 2048;
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    private static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    private static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    private static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("stargate.route");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("stargate.request_id");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("stargate.upstream");
    private static final AttributeKey<String> TARGET = AttributeKey.stringKey("stargate.target");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("stargate.attempt");
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier.get(key);
        }
    };

    private record Variant(String name, SdkTracerProvider provider, Tracer tracer, SpanExporter exporter,
                           ArrayBlockingQueue<ReadableSpan> queue, boolean before) {
    }

    public static void main(String[] args) {
        String endpoint = args.length > 0 ? args[0] : "http://127.0.0.1:4318";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 40_960;
        List<String> names = args.length > 3 ? Arrays.asList(args).subList(3, args.length)
                : List.of("okhttp-http-before", "jdk-http-before", "jdk-http-now", "okhttp-grpc-now");
        if (requests % (BATCH / 2) != 0 || requests <= 0 || requests > 1_000_000) {
            throw new IllegalArgumentException("requests per round: a multiple of " + BATCH / 2 + " up to 1,000,000");
        }
        List<Variant> variants = names.stream().map(n -> variant(n, endpoint, requests)).toList();
        Map<String, List<Double>> request = new LinkedHashMap<>();
        Map<String, List<Double>> export = new LinkedHashMap<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int round = 0; round <= rounds; round++) {       // round 0 warms the JIT up, unreported
            for (Variant v : variants) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < requests; i++) {
                    request(v, i);
                }
                long t1 = threads.getCurrentThreadCpuTime();
                long p0 = os.getProcessCpuTime();
                exportAll(v);
                long p1 = os.getProcessCpuTime();
                if (round > 0) {
                    request.computeIfAbsent(v.name, k -> new ArrayList<>()).add((t1 - t0) / 1e3 / requests);
                    export.computeIfAbsent(v.name, k -> new ArrayList<>()).add((p1 - p0) / 1e3 / requests);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-20s %14s %14s %10s%n", "variant", "request us/req", "export us/req",
                "total");
        for (Variant v : variants) {
            double r = median(request.get(v.name));
            double e = median(export.get(v.name));
            System.out.printf(Locale.ROOT, "%-20s %14.2f %14.2f %10.2f%n", v.name, r, e, r + e);
            v.provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    /** One traced request: the node's SERVER span, current while the CLIENT span of its one attempt runs. */
    private static void request(Variant v, int i) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(), GETTER);
        Span server = v.tracer.spanBuilder("GET").setSpanKind(SpanKind.SERVER).setParent(parent)
                .setAttribute(METHOD, "GET")
                .setAttribute(URL_PATH, "/index.html")
                .setAttribute(URL_SCHEME, "http")
                .setAttribute(SERVER_ADDRESS, "127.0.0.1:29420")
                .setAttribute(CLIENT_ADDRESS, "127.0.0.1")
                .setAttribute(PEER_ADDRESS, "127.0.0.1")
                .setAttribute(PROTOCOL_VERSION, "1.1")
                .setAttribute(USER_AGENT, "wrk")
                .startSpan();
        try (Scope ignored = server.makeCurrent()) {
            server.updateName("GET all");
            server.setAttribute(ROUTE, "all");
            SpanBuilder builder = v.tracer.spanBuilder("GET bench").setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(server))
                    .setAttribute(METHOD, "GET")
                    .setAttribute(SERVER_ADDRESS, "127.0.0.1")
                    .setAttribute(SERVER_PORT, 29401L)
                    .setAttribute(URL_FULL, "http://127.0.0.1:29401" + "/index.html")
                    .setAttribute(UPSTREAM, "bench");
            if (v.before) {
                builder.setAttribute(ATTEMPT, 1L).setAttribute(TARGET, "http://127.0.0.1:29401");
            }
            Span client = builder.startSpan();
            SpanContext context = client.getSpanContext();
            String traceparent = "00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
                    + context.getTraceFlags().asHex();
            if (traceparent.length() != 55) {
                throw new IllegalStateException(traceparent);
            }
            client.setAttribute(STATUS_CODE, 200L);
            client.end();
        }
        server.setAttribute(STATUS_CODE, 200L);
        server.setAttribute(REQUEST_ID, "req-" + i);
        server.end();
    }

    private static void exportAll(Variant v) {
        List<ReadableSpan> taken = new ArrayList<>(BATCH);
        while (v.queue.drainTo(taken, BATCH) > 0) {
            List<SpanData> batch = new ArrayList<>(taken.size());
            for (ReadableSpan span : taken) {
                batch.add(span.toSpanData());
            }
            CompletableResultCode result = v.exporter.export(batch).join(10, TimeUnit.SECONDS);
            if (!result.isSuccess()) {
                throw new IllegalStateException(v.name + ": export failed (is the collector up?)",
                        result.getFailureThrowable());
            }
            taken.clear();
        }
    }

    private static Variant variant(String name, String endpoint, int requests) {
        String[] parts = name.split("-");
        if (parts.length != 3 || !Set.of("jdk", "okhttp").contains(parts[0]) || !Set.of("http", "grpc").contains(parts[1])
                || !Set.of("before", "now").contains(parts[2]) || parts[0].equals("jdk") && parts[1].equals("grpc")) {
            throw new IllegalArgumentException("variant SENDER-PROTOCOL-SHAPE (jdk|okhttp, http|grpc, before|now; "
                    + "gRPC is OkHttp's only), got " + name);
        }
        String sender = parts[0].equals("jdk") ? "JdkHttpSenderProvider" : "OkHttpHttpSenderProvider";
        ComponentLoader services = ComponentLoader.forClassLoader(TracingSpanCost.class.getClassLoader());
        ComponentLoader loader = new ComponentLoader() {
            @Override
            public <T> Iterable<T> load(Class<T> type) {
                Iterable<T> all = services.load(type);
                return type != HttpSenderProvider.class ? all : StreamSupport.stream(all.spliterator(), false)
                        .filter(p -> p.getClass().getSimpleName().equals(sender)).toList();
            }
        };
        SpanExporter exporter = parts[1].equals("grpc")
                ? OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build()
                : OtlpHttpSpanExporter.builder().setEndpoint(endpoint + "/v1/traces").setComponentLoader(loader).build();
        ArrayBlockingQueue<ReadableSpan> queue = new ArrayBlockingQueue<>(requests * 2);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(1)))
                .addSpanProcessor(new SpanProcessor() {
                    @Override
                    public void onStart(Context parentContext, ReadWriteSpan span) {
                    }

                    @Override
                    public boolean isStartRequired() {
                        return false;
                    }

                    @Override
                    public void onEnd(ReadableSpan span) {
                        if (span.getSpanContext().isSampled() && !queue.offer(span)) {
                            throw new IllegalStateException("queue full");
                        }
                    }

                    @Override
                    public boolean isEndRequired() {
                        return true;
                    }
                })
                .build();
        return new Variant(name, provider, provider.get("bench"), exporter, queue, parts[2].equals("before"));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
