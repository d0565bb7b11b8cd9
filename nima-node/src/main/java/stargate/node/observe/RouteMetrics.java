package stargate.node.observe;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters one route records into, resolved once per config change: its own series (request counts
 * by method and status, latency histogram), kept by route id across config changes so counters never
 * reset while the route exists, and its upstream's latency histogram.
 *
 * <p>Heap (SPEC §12, at most 1 KiB per route at 100,000 routes): a route that never served holds
 * only this object (about 32 bytes); its {@link Series} is made and registered under its id by the
 * first request it serves. A route that comes back in a later snapshot finds its series by id.
 */
public final class RouteMetrics {
    /** Methods outside the standard set share one label, so a client cannot mint series. */
    static final List<String> METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "OTHER");

    private final Metrics owner;
    private final String routeId;
    private final LatencyHistogram upstreamDuration;
    /** Null until the route serves (or when its id had no series at compile time). */
    private volatile Series series;

    RouteMetrics(Metrics owner, String routeId, Series series, LatencyHistogram upstreamDuration) {
        this.owner = owner;
        this.routeId = routeId;
        this.series = series;
        this.upstreamDuration = upstreamDuration;
    }

    /** Records one finished request. */
    public void record(String method, int status, long totalNanos, long upstreamNanos) {
        Series s = series;
        if (s == null) {
            series = s = owner.series(routeId); // one map lookup per route life, then a field read
        }
        s.record(method, status, totalNanos);
        if (upstreamNanos >= 0 && upstreamDuration != null) {
            upstreamDuration.record(upstreamNanos);
        }
    }

    /** The position of {@code method}'s label in {@link #METHODS}, {@code OTHER} for the rest. */
    static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "PATCH" -> 4;
            case "DELETE" -> 5;
            case "OPTIONS" -> 6;
            case "CONNECT" -> 7;
            case "TRACE" -> 8;
            default -> 9;
        };
    }

    /**
     * The series of one route id. Nothing is allocated until the route serves its first request, so
     * an idle route costs a few dozen bytes (SPEC §12: ≤ 1 KiB per route at 100,000 routes).
     */
    static final class Series {
        /** The (method, status) pairs seen so far: few per route, so a scan beats a map and boxes nothing. */
        private static final StatusCount[] NONE = new StatusCount[0];
        private volatile StatusCount[] counts = NONE;
        private volatile LatencyHistogram duration;

        void record(String method, int status, long totalNanos) {
            count(methodIndex(method) * 1000 + status).increment();
            LatencyHistogram histogram = duration;
            if (histogram == null) {
                histogram = firstDuration();
            }
            histogram.record(totalNanos);
        }

        private LongAdder count(int key) {
            for (StatusCount count : counts) {
                if (count.key == key) {
                    return count.adder;
                }
            }
            return addCount(key);
        }

        private synchronized LongAdder addCount(int key) {
            for (StatusCount count : counts) {
                if (count.key == key) {
                    return count.adder;
                }
            }
            StatusCount added = new StatusCount(key, new LongAdder());
            StatusCount[] grown = java.util.Arrays.copyOf(counts, counts.length + 1);
            grown[grown.length - 1] = added;
            counts = grown;
            return added.adder;
        }

        private synchronized LatencyHistogram firstDuration() {
            if (duration == null) {
                duration = new LatencyHistogram();
            }
            return duration;
        }

        /** Appends one {@code stargate_requests_total} line per (method, status) seen. */
        void writeCounts(StringBuilder out, String routeLabel) {
            for (StatusCount count : counts) {
                out.append(Metrics.REQUESTS_TOTAL).append("{route=\"").append(routeLabel).append("\",method=\"")
                        .append(METHODS.get(count.key / 1000)).append("\",status=\"").append(count.key % 1000)
                        .append("\"} ").append(count.adder.sum()).append('\n');
            }
        }

        void writeDuration(StringBuilder out, String routeLabel) {
            LatencyHistogram histogram = duration;
            if (histogram != null) {
                histogram.write(out, Metrics.REQUEST_DURATION, "route=\"" + routeLabel + "\"");
            }
        }
    }

    private record StatusCount(int key, LongAdder adder) {
    }
}
