package stargate.node.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.providers.micrometer.MicrometerPrometheusFormatter;
import stargate.model.GatewayConfig;
import stargate.model.telemetry.JvmMetrics;
import stargate.model.telemetry.PrometheusText;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every metric the node exports (SPEC §11), declared in one place, written as Prometheus text on the
 * admin port at {@code /metrics} ({@link #writePrometheus}).
 *
 * <p>Two kinds of meters. The per-request ones (request counts, request and upstream latency) are the
 * node's own lock-free counters and {@link LatencyHistogram}s, resolved once per route and config change
 * ({@link RouteMetrics}) and kept by id; everything else (gauges, config applies, the JVM's meters) lives
 * in Helidon's registry, whose Prometheus text is written first.
 *
 * <p>Labels stay low-cardinality: route and upstream ids, method, status code; never raw paths.
 */
public final class Metrics {
    static final String REQUESTS_TOTAL = "stargate_requests_total";
    static final String REQUEST_DURATION = "stargate_request_duration_seconds";
    static final String UPSTREAM_DURATION = "stargate_upstream_duration_seconds";
    static final String ACTIVE_REQUESTS = "stargate_active_requests";
    static final String CONFIG_REVISION = "stargate_config_revision";
    static final String CONFIG_APPLIES = "stargate_config_applies";              // _total in Prometheus
    static final String TARGET_HEALTHY = "stargate_upstream_target_healthy";
    static final String CIRCUIT_STATE = "stargate_circuit_state";
    static final String ACCESS_LOG_DROPPED = "stargate_access_log_dropped_total";
    static final String REJECTED = "stargate_rejected_total";
    static final String WEBSOCKETS = "stargate_websocket_connections";
    static final String TRACE_SPANS_DROPPED = "stargate_trace_spans_dropped_total";
    static final String GRPC_CALLS = "stargate_grpc_calls_total";
    /** gRPC call series at most; calls that would add one past it count under service and method "other". */
    static final int MAX_GRPC_SERIES = 4000;
    static final String WATCH_EVENTS = "stargate_config_watch_events_total";
    static final String WATCH_BYTES = "stargate_config_watch_bytes_total";
    static final String WATCH_LATE = "stargate_config_watch_late_events_total";
    static final String ETCD_CONNECTED = "stargate_etcd_connected";
    static final String CERTIFICATE_EXPIRY = "stargate_certificate_expiry_seconds";
    static final String OCSP_FETCHES = "stargate_ocsp_fetches_total";
    static final String OCSP_STAPLE_VALID_UNTIL = "stargate_ocsp_staple_valid_until_seconds";

    private final MeterRegistry registry;
    /** Requests being served now: the drain's in-flight count, which the concurrency limit keeps anyway. */
    private volatile IntSupplier activeRequests = () -> 0;
    private final AtomicLong revision = new AtomicLong();
    private final MicrometerPrometheusFormatter registryText;
    /** Route id to its series; {@link #UNROUTED} counts requests that matched no route. */
    private final ConcurrentHashMap<String, RouteMetrics.Series> routes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LatencyHistogram> upstreams = new ConcurrentHashMap<>();
    /** Open WebSockets by route id; a route's entry goes when its count is back to 0. */
    private final ConcurrentHashMap<String, LongAdder> webSockets = new ConcurrentHashMap<>();
    /** {@code route, service, method, grpc-status} label values → count. */
    private final ConcurrentHashMap<List<Object>, LongAdder> grpcCalls = new ConcurrentHashMap<>();
    private final RouteMetrics.Series unrouted = new RouteMetrics.Series();
    private static final String UNROUTED = "none";
    private volatile LongSupplier accessLogDropped = () -> 0;
    /** Clients refused by reason (SPEC §14): a few fixed reasons, declared up front. */
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private volatile LongSupplier traceSpansDropped = () -> 0;
    private final LongAdder watchEvents = new LongAdder();
    private final LongAdder watchBytes = new LongAdder();
    private final LongAdder watchLate = new LongAdder();
    /** Null in file mode: the gauge is written only where there is an etcd to reach. */
    private volatile BooleanSupplier etcdConnected;
    private volatile Supplier<List<CertificateExpiry>> certificates = List::of;
    private volatile Supplier<List<OcspStaple>> ocspStaples = List::of;

    /**
     * When one served certificate stops being valid, for {@code stargate_certificate_expiry_seconds{id,sni}}.
     *
     * @param notAfter the earliest notAfter of every certificate in its chains (leaf or intermediate, main
     *                 or ECDSA pair: the first to lapse breaks the handshake), in seconds since the epoch
     */
    public record CertificateExpiry(String id, List<String> snis, long notAfter) {
        public CertificateExpiry {
            snis = List.copyOf(snis);
        }
    }

    /**
     * One certificate's OCSP stapling, for {@code stargate_ocsp_fetches_total{id,result}} and
     * {@code stargate_ocsp_staple_valid_until_seconds{id}}.
     *
     * @param validUntil when the staple served now stops being valid, in seconds since the epoch; 0 while
     *                   there is none (handshakes go without)
     */
    public record OcspStaple(String id, long good, long revoked, long failed, long validUntil) {
    }

    public Metrics(MeterRegistry registry) {
        this.registry = registry;
        registryText = MicrometerPrometheusFormatter.builder(registry).build();
    }

    /** Meters of one route (looked up when a config is compiled). */
    public RouteMetrics route(String routeId, String upstreamId) {
        return new RouteMetrics(this, routeId, routes.get(routeId),
                upstreams.computeIfAbsent(upstreamId, id -> new LatencyHistogram()));
    }

    /** The series of a route id, made on its first request. */
    RouteMetrics.Series series(String routeId) {
        return routes.computeIfAbsent(routeId, id -> new RouteMetrics.Series());
    }

    /**
     * Drops the series of routes and upstreams that left the config (an incremental apply knows
     * which). A request still finishing on an older snapshot may register a removed route's series
     * again; it goes with the next {@link #retain}.
     */
    public void drop(java.util.Collection<String> routeIds, java.util.Collection<String> upstreamIds) {
        routeIds.forEach(routes::remove);
        upstreamIds.forEach(upstreams::remove);
    }

    /**
     * Drops the series of routes and upstreams no longer in {@code config}, so ids that come and go do
     * not pile up. O(routes) when any route has served (series are made on first request, so the map's
     * size says nothing about removals); O(1) for the upstreams unless one was removed.
     */
    public void retain(GatewayConfig config) {
        if (!routes.isEmpty()) {
            Set<String> ids = new HashSet<>();
            config.routes().forEach(route -> ids.add(route.id()));
            routes.keySet().retainAll(ids);
        }
        if (upstreams.size() > config.upstreams().size()) {
            Set<String> ids = new HashSet<>();
            config.upstreams().forEach(upstream -> ids.add(upstream.id()));
            upstreams.keySet().retainAll(ids);
        }
    }

    /** Counts a request that matched no route (route label {@code none}). */
    public void unrouted(String method, int status, long totalNanos) {
        unrouted.record(method, status, totalNanos);
    }

    /** Where {@code stargate_active_requests} is read from. */
    public void activeRequests(IntSupplier inFlight) {
        activeRequests = inFlight;
    }

    /**
     * One gRPC call ended with {@code grpcStatus} ({@code stargate_grpc_calls_total{route,service,method,grpc_status}}).
     * The service and method come from the client's path, so only names of gRPC's own alphabet are labels
     * (anything else counts as "other", and so does every new one past {@link #MAX_GRPC_SERIES}): a client
     * cannot mint series without bound nor inject into the exposition format.
     *
     * @param routeId null when no route matched
     */
    public void grpcCall(String routeId, String rawPath, int grpcStatus) {
        String service = "other";
        String method = "other";
        int slash = rawPath.indexOf('/', 1);
        if (rawPath.startsWith("/") && slash > 1 && grpcName(rawPath, 1, slash) && grpcName(rawPath, slash + 1, rawPath.length())) {
            service = rawPath.substring(1, slash);
            method = rawPath.substring(slash + 1);
        }
        String route = routeId == null ? UNROUTED : routeId;
        List<Object> key = List.of(route, service, method, grpcStatus);
        LongAdder count = grpcCalls.get(key);
        if (count == null) {
            if (grpcCalls.size() >= MAX_GRPC_SERIES) {
                key = List.of(route, "other", "other", grpcStatus);
            }
            count = grpcCalls.computeIfAbsent(key, k -> new LongAdder());
        }
        count.increment();
    }

    private static boolean grpcName(String path, int from, int to) {
        if (to - from < 1 || to - from > 200) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = path.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** A WebSocket of {@code routeId} opened ({@code stargate_websocket_connections{route}} goes up). */
    public void webSocketOpened(String routeId) {
        webSockets.computeIfAbsent(routeId, id -> new LongAdder()).increment();
    }

    public void webSocketClosed(String routeId) {
        webSockets.computeIfPresent(routeId, (id, count) -> {
            count.decrement();
            return count.sum() == 0 ? null : count;
        });
    }

    /**
     * Registers the {@code stargate_upstream_target_healthy} gauge of one target: 1 while a balancer may
     * pick it, 0 while it is unhealthy or ejected.
     *
     * @return removes the gauge (when the target leaves the config)
     */
    public Runnable targetHealthy(String upstreamId, String targetUrl, BooleanSupplier healthy) {
        Gauge<Double> gauge = registry.getOrCreate(Gauge.builder(TARGET_HEALTHY, healthy,
                        h -> h.getAsBoolean() ? 1 : 0)
                .tags(List.of(Tag.create("upstream", upstreamId), Tag.create("target", targetUrl)))
                .description("1 while the target may take traffic, 0 while unhealthy or ejected"));
        return () -> registry.remove(gauge);
    }

    /**
     * Registers the {@code stargate_circuit_state} gauge of one upstream.
     *
     * @param state 0 closed, 1 half-open, 2 open
     * @return removes the gauge (when the upstream leaves the config)
     */
    public Runnable circuitState(String upstreamId, IntSupplier state) {
        Gauge<Double> gauge = registry.getOrCreate(Gauge.builder(CIRCUIT_STATE, state, IntSupplier::getAsInt)
                .tags(List.of(Tag.create("upstream", upstreamId)))
                .description("Circuit breaker state: 0 closed, 1 half-open, 2 open"));
        return () -> registry.remove(gauge);
    }

    /**
     * The source of {@code stargate_access_log_dropped_total}: access-log lines dropped because the buffer was
     * full or the disk failed. Written with the request meters (not in Helidon's global registry, which every
     * node of a JVM shares), and always, 0 with the log off, so an alert can be set before it is needed.
     */
    public void accessLogDropped(LongSupplier dropped) {
        accessLogDropped = dropped;
    }

    /** Declares the reasons {@link #rejected} may count, so each is written (at 0) before it happens. */
    public void rejectionReasons(String... reasons) {
        for (String reason : reasons) {
            rejected.computeIfAbsent(reason, r -> new LongAdder());
        }
    }

    /** Counts a client refused by a limit of SPEC §14 ({@code max_connections}, {@code header_timeout}, ...). */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * The source of {@code stargate_trace_spans_dropped_total}: spans lost because the export queue was full
     * or their export failed or timed out. Written always, 0 with tracing off, like the access log's.
     */
    public void traceSpansDropped(LongSupplier dropped) {
        traceSpansDropped = dropped;
    }

    /** Counts what the etcd watch delivered to this node: events, and the bytes of their keys and values. */
    public void configWatched(int events, long bytes) {
        watchEvents.add(events);
        watchBytes.add(bytes);
    }

    /** Counts watch events that came behind a revision already applied (an etcd whose progress answers overtake events). */
    public void configWatchLate(long events) {
        watchLate.add(events);
    }

    /** The source of {@code stargate_etcd_connected} (etcd mode): whether the node's last read, watch or lease renewal reached etcd. */
    public void etcdConnected(BooleanSupplier connected) {
        etcdConnected = connected;
    }

    /** The source of {@code stargate_certificate_expiry_seconds}: the certificates served now, read at scrape time. */
    public void certificates(Supplier<List<CertificateExpiry>> served) {
        certificates = served;
    }

    /** The source of the OCSP stapling meters: the certificates stapled now, read at scrape time. */
    public void ocspStaples(Supplier<List<OcspStaple>> stapled) {
        ocspStaples = stapled;
    }

    /**
     * Writes every meter as Prometheus text (format 0.0.4): Helidon's registry, the JVM's ({@link JvmMetrics}),
     * then the request meters.
     */
    public String writePrometheus() {
        StringBuilder text = new StringBuilder(4096 + 256 * routes.size());
        registryText.format().ifPresent(text::append);
        JvmMetrics.write(text);
        PrometheusText out = new PrometheusText(text);
        // written here, not registered in Helidon's registry: that one is global, so a second node in one JVM
        // (tests, the demo) would have its gauges read the first node's state
        out.gauge(ACTIVE_REQUESTS, "Requests being served now", activeRequests.getAsInt());
        out.gauge(CONFIG_REVISION, "Revision of the config being served", revision.get());
        out.family(REQUESTS_TOTAL, "counter", "Requests served, by route, method and status");
        unrouted.writeCounts(text, UNROUTED);
        routes.forEach((id, series) -> series.writeCounts(text, id));
        out.family(REQUEST_DURATION, "histogram", "Time from request received to response complete");
        unrouted.writeDuration(text, UNROUTED);
        routes.forEach((id, series) -> series.writeDuration(text, id));
        out.family(UPSTREAM_DURATION, "histogram", "Time spent on the upstream exchange");
        upstreams.forEach((id, histogram) -> histogram.write(text, UPSTREAM_DURATION, "upstream=\"" + id + "\""));
        out.counter(ACCESS_LOG_DROPPED, "Access-log lines dropped because the disk was full, failing or too slow",
                accessLogDropped.getAsLong());
        out.family(REJECTED, "counter", "Clients refused by a limit (connections, timeouts, overload), by reason");
        new java.util.TreeMap<>(rejected).forEach((reason, count) -> out.sample(REJECTED, count.sum(), "reason", reason));
        out.family(WEBSOCKETS, "gauge", "WebSockets open now, by route");
        webSockets.forEach((id, count) -> out.sample(WEBSOCKETS, count.sum(), "route", id));
        out.family(GRPC_CALLS, "counter", "gRPC calls ended, by route, service, method and grpc-status");
        grpcCalls.forEach((k, count) -> out.sample(GRPC_CALLS, count.sum(), "route", (String) k.get(0),
                "service", (String) k.get(1), "method", (String) k.get(2), "grpc_status", String.valueOf(k.get(3))));
        out.counter(TRACE_SPANS_DROPPED, "Spans not exported: the export queue was full, or the collector failed or was too slow",
                traceSpansDropped.getAsLong());
        out.counter(WATCH_EVENTS, "etcd watch events this node received (0 in file mode)", watchEvents.sum());
        out.counter(WATCH_BYTES, "Bytes of the keys and values of those events", watchBytes.sum());
        out.counter(WATCH_LATE, "Watch events applied after a later revision because etcd's progress answer overtook them",
                watchLate.sum());
        BooleanSupplier etcd = etcdConnected;
        if (etcd != null) {
            out.gauge(ETCD_CONNECTED, "1 while the node reaches etcd (reads, watch, lease), else 0", etcd.getAsBoolean() ? 1 : 0);
        }
        out.family(CERTIFICATE_EXPIRY, "gauge", "When a served certificate expires (earliest notAfter in its chains), "
                + "in seconds since the epoch, by id and SNI name");
        for (CertificateExpiry certificate : certificates.get()) {
            for (String sni : certificate.snis()) {
                out.sample(CERTIFICATE_EXPIRY, certificate.notAfter(), "id", certificate.id(), "sni", sni);
            }
        }
        List<OcspStaple> stapled = ocspStaples.get();
        out.family(OCSP_FETCHES, "counter", "OCSP responses fetched for stapling, by certificate id and result "
                + "(good, revoked, failed: no answer, or one that did not check out)");
        for (OcspStaple staple : stapled) {
            out.sample(OCSP_FETCHES, staple.good(), "id", staple.id(), "result", "good");
            out.sample(OCSP_FETCHES, staple.revoked(), "id", staple.id(), "result", "revoked");
            out.sample(OCSP_FETCHES, staple.failed(), "id", staple.id(), "result", "failed");
        }
        out.family(OCSP_STAPLE_VALID_UNTIL, "gauge", "When the OCSP response stapled for a certificate stops being "
                + "valid, in seconds since the epoch; 0 while there is none");
        for (OcspStaple staple : stapled) {
            out.sample(OCSP_STAPLE_VALID_UNTIL, staple.validUntil(), "id", staple.id());
        }
        return text.toString();
    }

    /** Records the outcome of one config apply: {@code success} or {@code rejected}. */
    public void configApplied(boolean success, long newRevision) {
        registry.getOrCreate(Counter.builder(CONFIG_APPLIES)
                .tags(List.of(Tag.create("result", success ? "success" : "rejected")))
                .description("Config applies, by result")).increment();
        if (success) {
            revision.set(newRevision);
        }
    }
}
