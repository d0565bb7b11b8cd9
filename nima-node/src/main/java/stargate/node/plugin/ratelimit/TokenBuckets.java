package stargate.node.plugin.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One token bucket per key, in the virtual-scheduling form of the Generic Cell Rate Algorithm
 * (GCRA; ITU-T I.371, ATM Forum TM 4.0), which admits exactly what a token bucket admits.
 *
 * <p><b>Algorithm.</b> A bucket holds {@code capacity} tokens and gains one every {@code interval}
 * nanoseconds ({@code per / rate}). Instead of a token count and a refill time, each key keeps one
 * number: the theoretical arrival time {@code tat}, when the bucket would be full again. A request
 * at {@code now} is admitted when {@code max(tat, now) + interval <= now + capacity * interval},
 * and then {@code tat} becomes that left side. Tokens left = {@code (now + capacity*interval - tat) /
 * interval}. One {@code long} per key, updated with a compare-and-set loop: exact under any
 * concurrency on one node (no admitted request is lost or counted twice), O(1), no lock.
 *
 * <p><b>Memory under a flood of distinct keys</b> (random header values, spoofed-looking client
 * sets): a bucket whose {@code tat} has passed is full, so it carries no information and can be
 * dropped. When the map reaches {@code sweepAt} entries it is swept of full buckets, and
 * {@code sweepAt} doubles from what is left (amortised O(1) per new key); at {@link #MAX_KEYS}, a
 * new key is refused (limited, fail closed) until a sweep, at most once per {@link #SWEEP_INTERVAL_NANOS},
 * frees room. A swept bucket is first marked dead with a CAS so a request racing the sweep retries on
 * a fresh bucket instead of counting on an orphan: exactness holds through eviction.
 *
 * <p>Time is a parameter ({@code now}, monotonic nanoseconds): tests drive it.
 */
final class TokenBuckets {
    /** Most keys held at once: about 100 bytes each, so ~10 MB per plugin instance at worst. */
    static final int MAX_KEYS = 100_000;
    /** First sweep size: below it, no sweep ever runs. */
    static final int MIN_SWEEP_AT = 1_024;
    /** At the cap, how often a sweep may run again (a full map of busy keys is not rescanned per request). */
    static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;
    private static final long DEAD = Long.MIN_VALUE;

    private final long interval;
    private final long window;              // capacity * interval: how far ahead tat may run
    private final int capacity;
    private final int maxKeys;
    private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
    private volatile int sweepAt = MIN_SWEEP_AT;
    private volatile long lastSweep = Long.MIN_VALUE / 2;

    /** What one request got. {@code retryAfterNanos} and {@code resetNanos} are durations from now. */
    record Decision(boolean allowed, long remaining, long retryAfterNanos, long resetNanos) {
    }

    /**
     * @param rate      tokens per {@code perNanos}
     * @param burst     extra capacity above {@code rate}
     * @param maxKeys   keys held at most ({@link #MAX_KEYS} in production)
     */
    TokenBuckets(int rate, long perNanos, int burst, int maxKeys) {
        this.interval = Math.max(1, perNanos / rate);
        this.capacity = rate + burst;
        this.window = saturatedMultiply(interval, capacity);
        this.maxKeys = maxKeys;
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return buckets.size();
    }

    Decision acquire(String key, long now) {
        while (true) {
            AtomicLong bucket = buckets.get(key);
            if (bucket == null) {
                if (!roomFor(now)) {
                    return new Decision(false, 0, SWEEP_INTERVAL_NANOS, SWEEP_INTERVAL_NANOS);
                }
                bucket = buckets.computeIfAbsent(key, k -> new AtomicLong(now));
            }
            long tat = bucket.get();
            if (tat == DEAD) {
                buckets.remove(key, bucket);        // swept under us: retry on a fresh bucket
                continue;
            }
            long next = Math.max(tat, now) + interval;
            if (next - now > window) {
                return new Decision(false, 0, next - now - window, tat - now);
            }
            if (bucket.compareAndSet(tat, next)) {
                return new Decision(true, (window - (next - now)) / interval, 0, next - now);
            }
        }
    }

    /** Whether a new key may be added now, sweeping full buckets when the map has grown. */
    private boolean roomFor(long now) {
        int size = buckets.size();
        if (size < sweepAt && size < maxKeys) {
            return true;
        }
        synchronized (this) {
            if (buckets.size() >= sweepAt || now - lastSweep >= SWEEP_INTERVAL_NANOS) {
                sweep(now);
            }
            return buckets.size() < maxKeys;
        }
    }

    private void sweep(long now) {
        lastSweep = now;
        buckets.forEach((key, bucket) -> {
            long tat = bucket.get();
            if (tat != DEAD && tat <= now && bucket.compareAndSet(tat, DEAD)) {
                buckets.remove(key, bucket);
            }
        });
        sweepAt = (int) Math.min(Math.max(MIN_SWEEP_AT, 2L * buckets.size()), Integer.MAX_VALUE);
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high == 0 && low >= 0 ? low : Long.MAX_VALUE / 4;
    }
}
