package stargate.node.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The algorithm with time passed in: exact counts, refill, concurrency, and memory under a key flood (long keys, the cap). */
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
    void aFloodOfDistinctKeysIsBoundedEveryNewClientServedAndIdleBucketsSwept() {
        int max = 5_000;
        TokenBuckets buckets = new TokenBuckets(1, SECOND, 0, max);
        long now = 0;
        for (int i = 0; i < 20_000; i++) {
            assertTrue(buckets.acquire("key-" + i, now).allowed(), "a new client at the cap is served, key " + i);
            assertTrue(buckets.size() <= max, "size " + buckets.size());
        }
        now += 2 * SECOND;      // every bucket is full again: none carries information
        for (int i = 0; i < max; i++) {
            buckets.acquire("fresh-" + i, now);
        }
        assertTrue(buckets.holds("fresh-0") && buckets.holds("fresh-" + (max - 1)),
                "the idle buckets were swept, not the fresh ones evicted");
    }

    @Test
    void atTheCapTheStalestBucketsAreDroppedAndABusyOneIsKept() {
        int max = 100;
        int share = max / TokenBuckets.EVICTION_SHARE;          // 6 evicted at once
        TokenBuckets buckets = new TokenBuckets(2, 10 * SECOND, 0, max);   // a token per 5 s, 2 at most
        long ms = SECOND / 1000;
        for (int i = 0; i < max; i++) {
            assertTrue(buckets.acquire("k" + i, i * ms).allowed());      // tat: 5 s + i ms
        }
        assertTrue(buckets.acquire("k0", max * ms).allowed(), "k0 spends its second token: tat 10 s, the busiest");
        assertTrue(buckets.acquire("newcomer", (max + 1) * ms).allowed(), "served at the cap");
        assertEquals(max - share + 1, buckets.size());
        for (int i = 1; i <= share; i++) {
            assertFalse(buckets.holds("k" + i), "k" + i + " was among the stalest");
        }
        for (int i = share + 1; i < max; i++) {
            assertTrue(buckets.holds("k" + i), "k" + i + " is fresher than the evicted share");
        }
        assertFalse(buckets.acquire("k0", (max + 2) * ms).allowed(), "the busy bucket kept its count");
    }

    @Test
    void longKeysAreHeldAsDigestsSoEachCostsABoundedSize() {
        String base = "v".repeat(16 * 1024);
        String held = TokenBuckets.heldKey(base + "a");
        assertEquals(45, held.length(), "# and 32 bytes in Base64");
        assertEquals(held, TokenBuckets.heldKey(base + "a"), "one value, one bucket");
        assertNotEquals(held, TokenBuckets.heldKey(base + "b"), "values differing in their last byte are apart");
        assertEquals("short", TokenBuckets.heldKey("short"));
        assertEquals("x".repeat(TokenBuckets.MAX_KEY_CHARS), TokenBuckets.heldKey("x".repeat(TokenBuckets.MAX_KEY_CHARS)));

        TokenBuckets buckets = new TokenBuckets(1, SECOND, 0, 1_000);
        for (int i = 0; i < 3_000; i++) {
            assertTrue(buckets.acquire(i + base, 0).allowed());
            assertTrue(buckets.size() <= 1_000, "size " + buckets.size());
        }
        assertFalse(buckets.acquire(2_999 + base, 0).allowed(), "the newest long key keeps its bucket");
        assertTrue(buckets.holds(2_999 + base));
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
