package stargate.node.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every metric the node exports (SPEC §11), declared in one place. Prometheus text is served by
 * Helidon's metrics observer on the admin port at {@code /metrics}.
 *
 * <p>Labels stay low-cardinality: route and upstream ids, method, status code; never raw paths.
 * Meters with labels are looked up once per route and config change ({@link RouteMetrics}), not
 * per request.
 */
public final class Metrics {
    static final String REQUESTS = "stargate_requests";                          // _total in Prometheus
    static final String REQUEST_DURATION = "stargate_request_duration_seconds";
    static final String UPSTREAM_DURATION = "stargate_upstream_duration_seconds";
    static final String ACTIVE_REQUESTS = "stargate_active_requests";
    static final String CONFIG_REVISION = "stargate_config_revision";
    static final String CONFIG_APPLIES = "stargate_config_applies";              // _total in Prometheus

    /** Latency buckets: 1 ms to 10 s, enough resolution for SLOs without hundreds of series per route. */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final LongAdder active = new LongAdder();
    private final AtomicLong revision = new AtomicLong();

    public Metrics(MeterRegistry registry) {
        this.registry = registry;
        registry.getOrCreate(Gauge.builder(ACTIVE_REQUESTS, active, LongAdder::doubleValue)
                .description("Requests being served now"));
        registry.getOrCreate(Gauge.builder(CONFIG_REVISION, revision, AtomicLong::doubleValue)
                .description("Revision of the config being served"));
    }

    /** Meters of one route (looked up when a config is compiled). */
    public RouteMetrics route(String routeId, String upstreamId) {
        Timer duration = registry.getOrCreate(Timer.builder(REQUEST_DURATION)
                .tags(List.of(Tag.create("route", routeId)))
                .buckets(BUCKETS)
                .description("Time from request received to response complete"));
        Timer upstream = registry.getOrCreate(Timer.builder(UPSTREAM_DURATION)
                .tags(List.of(Tag.create("upstream", upstreamId)))
                .buckets(BUCKETS)
                .description("Time spent on the upstream exchange"));
        return new RouteMetrics(routeId, this, duration, upstream);
    }

    Counter requests(String routeId, String method, int status) {
        return registry.getOrCreate(Counter.builder(REQUESTS)
                .tags(List.of(Tag.create("route", routeId), Tag.create("method", method),
                        Tag.create("status", Integer.toString(status))))
                .description("Requests served, by route, method and status"));
    }

    /** Counts a request that matched no route (route label {@code none}). */
    public void unrouted(String method, int status) {
        requests("none", RouteMetrics.methodLabel(method), status).increment();
    }

    public void requestStarted() {
        active.increment();
    }

    public void requestFinished() {
        active.decrement();
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
