package stargate.model.rollout;

/**
 * The latency histogram a node keeps per generation and reports in its node key: fixed upper bounds
 * shared by node and controller, so the controller can add the counts of many nodes and read a
 * fleet-wide p99 (a p99 of p99s would not be one). Finer than the Prometheus histogram below 1 ms,
 * where proxied requests on a local network sit. A p99 is read as the upper bound of the bucket it
 * falls in: a change has to move latency by at least a bucket to show.
 */
public final class LatencyBuckets {
    /** Upper bounds in microseconds; one more bucket counts everything slower. */
    public static final long[] BOUNDS_MICROS = {
        250, 500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000};
    /** Number of counts a histogram holds: one per bound plus the overflow. */
    public static final int SIZE = BOUNDS_MICROS.length + 1;

    private LatencyBuckets() {
    }

    /** The bucket a duration falls in. */
    public static int bucket(long nanos) {
        long micros = nanos / 1_000;
        int i = 0;
        while (i < BOUNDS_MICROS.length && micros > BOUNDS_MICROS[i]) {
            i++;
        }
        return i;
    }

    /**
     * The 99th percentile of the counts, in milliseconds: the upper bound of the bucket holding it
     * (the overflow bucket reads as twice the last bound); 0 without observations.
     */
    public static double p99Millis(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(total * 0.99);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long bound = i < BOUNDS_MICROS.length ? BOUNDS_MICROS[i] : 2 * BOUNDS_MICROS[BOUNDS_MICROS.length - 1];
                return bound / 1000.0;
            }
        }
        return 2 * BOUNDS_MICROS[BOUNDS_MICROS.length - 1] / 1000.0;
    }
}
