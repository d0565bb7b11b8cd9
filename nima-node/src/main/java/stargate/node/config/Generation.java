package stargate.node.config;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import stargate.model.rollout.LatencyBuckets;

/**
 * Which config generation a snapshot belongs to during a progressive rollout (docs/rollout.md),
 * and what the requests served on it saw: count, 5xx count and a latency histogram. A request
 * counts on the generation of the one snapshot it was served with, so a request never counts on
 * one generation and runs on another. Counters start at zero when the node moves to a generation
 * (a rollout begins or ends), so the controller compares canary and baseline over the same window
 * without differencing. Cost on the request path: two {@link LongAdder} increments and one atomic
 * array increment.
 *
 * @param rollout the rollout this node takes part in; null outside a rollout
 * @param canary  whether this node serves the rollout's change (false: it is a baseline node)
 */
public record Generation(String rollout, boolean canary, LongAdder requests, LongAdder errors, AtomicLongArray latency) {
    /** Outside any rollout. */
    public static Generation base() {
        return of(null, false);
    }

    public static Generation of(String rollout, boolean canary) {
        return new Generation(rollout, canary, new LongAdder(), new LongAdder(), new AtomicLongArray(LatencyBuckets.SIZE));
    }

    /** Counts one answered request. */
    public void record(int status, long nanos) {
        requests.increment();
        if (status >= 500) {
            errors.increment();
        }
        latency.incrementAndGet(LatencyBuckets.bucket(nanos));
    }

    /** Whether {@code other} is the same generation (same rollout, same side). */
    public boolean sameAs(String otherRollout, boolean otherCanary) {
        return java.util.Objects.equals(rollout, otherRollout) && canary == otherCanary;
    }

    /** {@code base}, {@code <rollout>/canary} or {@code <rollout>/baseline}. */
    public String label() {
        return rollout == null ? "base" : rollout + (canary ? "/canary" : "/baseline");
    }

    /** The histogram's counts now. */
    public long[] latencyCounts() {
        long[] counts = new long[latency.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = latency.get(i);
        }
        return counts;
    }
}
