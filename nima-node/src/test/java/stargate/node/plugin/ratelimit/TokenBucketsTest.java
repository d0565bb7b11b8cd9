package stargate.node.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The algorithm with time passed in: exact counts, refill, concurrency, and memory under a key flood. */
class TokenBucketsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aFullBucketAdmitsRatePlusBurstThenRefillsOneTokenPerInterval() {
        TokenBuckets buckets = new TokenBuckets(10, SECOND, 5, 1000);
        long now = 42 * SECOND;
        for (int i = 0; i < 15; i++) {
            TokenBuckets.Decision decision = buckets.acquire("k", now);
            assertTrue(decision.allowed(), "request " + i);
            assertEquals(14 - i, decision.remaining());
        }
        TokenBuckets.Decision refused = buckets.acquire("k", now);
        assertFalse(refused.allowed());
        assertEquals(SECOND / 10, refused.retryAfterNanos());
        assertFalse(buckets.acquire("k", now + SECOND / 10 - 1).allowed());
        assertTrue(buckets.acquire("k", now + SECOND / 10).allowed());
        assertFalse(buckets.acquire("k", now + SECOND / 10).allowed());
        assertTrue(buckets.acquire("other", now).allowed(), "keys are counted apart");
    }

    @Test
    void overALongRunTheAdmittedCountIsTheRate() {
        TokenBuckets buckets = new TokenBuckets(100, SECOND, 0, 1000);
        int admitted = 0;
        for (long t = 0; t < 10 * SECOND; t += SECOND / 1000) {      // 10 000 attempts over 10 s
            admitted += buckets.acquire("k", t).allowed() ? 1 : 0;
        }
        assertEquals(100 + 100 * 10 - 1, admitted, "the initial full bucket, then one per 10 ms");
    }

    @Test
    void manyVirtualThreadsAtOnceAreAdmittedExactlyTheCapacity() throws Exception {
        TokenBuckets buckets = new TokenBuckets(1000, 60 * SECOND, 0, 1000);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 50; i++) {
                    if (buckets.acquire("shared", 7 * SECOND).allowed()) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            assertTrue(thread.join(java.time.Duration.ofSeconds(20)));
        }
        assertEquals(1000, admitted.get(), "10 000 attempts, frozen clock");
    }

    @Test
    void aFloodOfDistinctKeysIsBoundedAndIdleBucketsAreEvicted() {
        int max = 5_000;
        TokenBuckets buckets = new TokenBuckets(1, SECOND, 0, max);
        long now = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            refused += buckets.acquire("key-" + i, now).allowed() ? 0 : 1;
            assertTrue(buckets.size() <= max, "size " + buckets.size());
        }
        assertEquals(20_000 - max, refused, "at the cap, new keys are refused until buckets go idle");
        now += 2 * SECOND;      // every bucket is full again: none carries information
        assertTrue(buckets.acquire("fresh", now).allowed());
        assertTrue(buckets.size() < 100, "idle buckets were swept, size " + buckets.size());
    }

    @Test
    void sweepsRacingRequestsNeverAdmitMoreThanTheTokenBucketBound() throws Exception {
        TokenBuckets buckets = new TokenBuckets(3, SECOND, 0, 2_000);
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(100 * SECOND);
        long start = clock.get();
        AtomicInteger admittedHot = new AtomicInteger();
        Thread flood = Thread.ofVirtual().start(() -> {     // fills the map and advances time: buckets go idle, get swept
            for (int i = 0; i < 50_000; i++) {
                buckets.acquire("cold-" + i, i % 1000 == 0 ? clock.addAndGet(SECOND / 2) : clock.get());
            }
        });
        Thread hot = Thread.ofVirtual().start(() -> {
            while (flood.isAlive()) {
                if (buckets.acquire("hot", clock.get()).allowed()) {
                    admittedHot.incrementAndGet();
                }
            }
        });
        assertTrue(flood.join(java.time.Duration.ofSeconds(20)));
        assertTrue(hot.join(java.time.Duration.ofSeconds(20)));
        long elapsedSeconds = (clock.get() - start) / SECOND;
        assertTrue(admittedHot.get() <= 3 + 3 * elapsedSeconds,
                admittedHot.get() + " admitted in " + elapsedSeconds + " s at 3/s");
        assertTrue(admittedHot.get() > 0);
    }
}
