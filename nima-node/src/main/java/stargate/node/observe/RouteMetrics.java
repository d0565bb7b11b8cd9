package stargate.node.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one route, resolved once per config change. The request counter is labelled by
 * method and status too; those few combinations are cached here so a request does a map lookup,
 * not a registry lookup.
 */
public final class RouteMetrics {
    private final String routeId;
    private final Metrics metrics;
    private final Timer duration;
    private final Timer upstreamDuration;
    private final ConcurrentHashMap<Integer, Counter> requests = new ConcurrentHashMap<>();

    RouteMetrics(String routeId, Metrics metrics, Timer duration, Timer upstreamDuration) {
        this.routeId = routeId;
        this.metrics = metrics;
        this.duration = duration;
        this.upstreamDuration = upstreamDuration;
    }

    /** Records one finished request. */
    public void record(String method, int status, long totalNanos, long upstreamNanos) {
        String label = methodLabel(method);
        int key = METHODS.indexOf(label) * 1000 + status;
        requests.computeIfAbsent(key, k -> metrics.requests(routeId, label, status)).increment();
        duration.record(totalNanos, TimeUnit.NANOSECONDS);
        if (upstreamNanos >= 0) {
            upstreamDuration.record(upstreamNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Methods outside the standard set share one label, so a client cannot mint series. */
    static String methodLabel(String method) {
        return METHODS.contains(method) ? method : "OTHER";
    }

    private static final java.util.List<String> METHODS =
            java.util.List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "OTHER");
}
