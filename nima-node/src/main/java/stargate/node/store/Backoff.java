package stargate.node.store;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next attempt to reach etcd: exponential backoff with "equal jitter"
 * (the delay is drawn in [ceiling/2, ceiling], the ceiling doubling from {@link #INITIAL} up to
 * {@link #MAX}). The jitter keeps a fleet of nodes that lost etcd together from retrying in
 * lockstep; the lower half keeps one node from spinning. O(1) per call. Not thread-safe: one
 * retry loop owns it.
 */
final class Backoff {
    /** The first ceiling: etcd elections take ~1 s, so the first retries come quickly. */
    static final Duration INITIAL = Duration.ofMillis(100);
    /** The largest ceiling: a node notices etcd coming back within this, whatever the outage. */
    static final Duration MAX = Duration.ofSeconds(5);

    private final RandomGenerator random;
    private int failures;

    Backoff(RandomGenerator random) {
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    Duration next() {
        long ceiling = Math.min(MAX.toMillis(), INITIAL.toMillis() << Math.min(failures, 20));
        failures++;
        long half = ceiling / 2;
        return Duration.ofMillis(half + random.nextLong(ceiling - half + 1));
    }

    /** After a success: the next failure starts again from {@link #INITIAL}. */
    void reset() {
        failures = 0;
    }
}
