package stargate.node.plugin.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

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
 * sets): a key longer than {@link #MAX_KEY_CHARS} (a {@code header:NAME} value may be 16 KiB) is held as
 * its SHA-256 digest, so each key costs a bounded ~200 bytes; finding two values that share a bucket
 * would take a SHA-256 collision. A bucket whose {@code tat} has passed is full, so it carries no
 * information and can be dropped. When the map reaches {@code sweepAt} entries it is swept of full
 * buckets, and {@code sweepAt} doubles from what is left (amortised O(1) per new key). At
 * {@link #MAX_KEYS} with no full bucket to drop, the stalest buckets (lowest {@code tat}: closest to full,
 * so forgetting them grants the least) are evicted, {@link #EVICTION_SHARE} of the map at once so the
 * scan is amortised; a new client is always served, never refused for the map being full. A dropped
 * bucket is first marked dead with a CAS so a request racing the sweep retries on a fresh bucket
 * instead of counting on an orphan: exactness holds through sweeps of full buckets, and an evicted
 * bucket that was not full restarts full (the price of serving new clients at the cap).
 *
 * <p>Time is a parameter ({@code now}, monotonic nanoseconds): tests drive it.
 */
final class TokenBuckets {
    /** Most keys held at once: at most ~200 bytes each (see {@link #MAX_KEY_CHARS}), so ~20 MB per instance at worst. */
    static final int MAX_KEYS = 100_000;
    /** Longer keys are held as a digest of 44 characters (Base64 of SHA-256, after a {@code #}). */
    static final int MAX_KEY_CHARS = 64;
    /** First sweep size: below it, no sweep ever runs. */
    static final int MIN_SWEEP_AT = 1_024;
    /** At the cap with every bucket busy, the share of the map evicted, stalest first (one in 16). */
    static final int EVICTION_SHARE = 16;
    private static final long DEAD = Long.MIN_VALUE;

    private final long interval;
    private final long window;              // capacity * interval: how far ahead tat may run
    private final int capacity;
    private final int maxKeys;
    private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
    private volatile int sweepAt = MIN_SWEEP_AT;

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

    /** Whether a bucket is held for {@code key} (as the map holds it: long keys by digest). */
    boolean holds(String key) {
        return buckets.containsKey(heldKey(key));
    }

    Decision acquire(String key, long now) {
        String held = heldKey(key);
        while (true) {
            AtomicLong bucket = buckets.get(held);
            if (bucket == null) {
                makeRoom(now);
                bucket = buckets.computeIfAbsent(held, k -> new AtomicLong(now));
            }
            long tat = bucket.get();
            if (tat == DEAD) {
                buckets.remove(held, bucket);       // swept under us: retry on a fresh bucket
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

    /**
     * The key as the map holds it: short keys as they are, longer ones as {@code #} and their SHA-256.
     * For a client to share another's bucket, it would need a collision or preimage of SHA-256.
     */
    static String heldKey(String key) {
        if (key.length() <= MAX_KEY_CHARS) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "#" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Before a new key is added: sweeps full buckets when the map has grown, and at the cap evicts the stalest. */
    private void makeRoom(long now) {
        int size = buckets.size();
        if (size < sweepAt && size < maxKeys) {
            return;
        }
        synchronized (this) {
            if (buckets.size() >= sweepAt || buckets.size() >= maxKeys) {
                drop(tat -> tat <= now, Integer.MAX_VALUE);
            }
            if (buckets.size() >= maxKeys) {
                evictStalest();
            }
            sweepAt = (int) Math.min(Math.max(MIN_SWEEP_AT, 2L * buckets.size()), Integer.MAX_VALUE);
        }
    }

    /**
     * Evicts the {@link #EVICTION_SHARE} of buckets with the lowest {@code tat} (at least one), found with one
     * scan and a sort: those below the share's highest {@code tat}, then as many at it as the share leaves.
     */
    private void evictStalest() {
        long[] tats = buckets.values().stream().mapToLong(AtomicLong::get).filter(tat -> tat != DEAD).toArray();
        if (tats.length == 0) {
            return;
        }
        Arrays.sort(tats);
        int share = Math.max(1, tats.length / EVICTION_SHARE);
        long highest = tats[share - 1];
        int dropped = drop(tat -> tat < highest, share);
        drop(tat -> tat == highest, share - dropped);
    }

    /** Drops up to {@code most} buckets whose {@code tat} passes {@code stale}; returns how many it dropped. */
    private int drop(LongPredicate stale, int most) {
        int dropped = 0;
        for (Map.Entry<String, AtomicLong> entry : buckets.entrySet()) {
            if (dropped >= most) {
                break;
            }
            AtomicLong bucket = entry.getValue();
            long tat = bucket.get();
            if (tat != DEAD && stale.test(tat) && bucket.compareAndSet(tat, DEAD)) {
                buckets.remove(entry.getKey(), bucket);
                dropped++;
            }
        }
        return dropped;
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high == 0 && low >= 0 ? low : Long.MAX_VALUE / 4;
    }
}
