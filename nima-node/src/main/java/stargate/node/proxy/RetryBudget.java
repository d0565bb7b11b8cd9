package stargate.node.proxy;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Caps the retries to one upstream at a share of its requests, so retries cannot multiply an outage
 * (Finagle's {@code RetryBudget}, Envoy's {@code retry_budget}).
 *
 * <p>Algorithm: two sliding windows of {@link #WINDOW_SECONDS} one-second buckets count first attempts
 * ({@link #onRequest}) and retries ({@link #tryRetry}). A retry is allowed while the retries in the window
 * stay within {@code ratio} of the requests in it plus a reserve of {@code minPerSecond} per second of the
 * window, so a quiet upstream can still retry. Each bucket is one {@code long} holding its epoch second
 * (high bits) and its count (low {@link #COUNT_BITS} bits), updated by compare-and-set: a request costs one
 * CAS, a retry decision reads 2 × {@link #WINDOW_SECONDS} longs. No lock, no allocation, no timer thread:
 * a stale bucket is recognised by its epoch and restarted by the first writer of the new second.
 *
 * <p>The check and the count of a retry are not one atomic step, so concurrent retries at the edge may
 * overshoot the cap by at most the number of threads deciding at that instant.
 *
 * <p>Time is a parameter ({@code System.nanoTime()} in production) so tests drive it.
 */
public final class RetryBudget {
    /** Retries allowed per first attempt in the window. */
    static final double RATIO = 0.2;
    /** Retries always allowed per second of the window, however little traffic there is. */
    static final int MIN_PER_SECOND = 3;
    /** Length of the sliding window, in one-second buckets. */
    static final int WINDOW_SECONDS = 10;
    private static final int COUNT_BITS = 24;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double ratio;
    private final int reserve;
    private final AtomicLongArray requests = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray retries = new AtomicLongArray(WINDOW_SECONDS);

    /** The default budget: 20 % of requests, and at least 3 retries per second. */
    public RetryBudget() {
        this(RATIO, MIN_PER_SECOND);
    }

    RetryBudget(double ratio, int minPerSecond) {
        this.ratio = ratio;
        this.reserve = minPerSecond * WINDOW_SECONDS;
    }

    /** Counts a first attempt, which earns {@code ratio} of a retry. */
    public void onRequest(long nowNanos) {
        increment(requests, Math.floorDiv(nowNanos, NANOS_PER_SECOND));
    }

    /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
    public boolean tryRetry(long nowNanos) {
        long second = Math.floorDiv(nowNanos, NANOS_PER_SECOND);
        if (sum(retries, second) + 1 > sum(requests, second) * ratio + reserve) {
            return false;
        }
        increment(retries, second);
        return true;
    }

    private static void increment(AtomicLongArray buckets, long second) {
        int i = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        while (true) {
            long bucket = buckets.get(i);
            long next;
            if (bucket >> COUNT_BITS != second) {
                next = (second << COUNT_BITS) | 1;            // a bucket left from an older window: restart it
            } else if ((bucket & COUNT_MASK) == COUNT_MASK) {
                return;                                      // saturated: 16 M per second is enough to decide
            } else {
                next = bucket + 1;
            }
            if (buckets.compareAndSet(i, bucket, next)) {
                return;
            }
        }
    }

    private static long sum(AtomicLongArray buckets, long second) {
        long sum = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            long bucket = buckets.get(i);
            long age = second - (bucket >> COUNT_BITS);
            if (age >= 0 && age < WINDOW_SECONDS) {
                sum += bucket & COUNT_MASK;
            }
        }
        return sum;
    }
}
