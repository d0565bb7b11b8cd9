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
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

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
    static final String TARGET_HEALTHY = "stargate_upstream_target_healthy";
    static final String CIRCUIT_STATE = "stargate_circuit_state";

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
