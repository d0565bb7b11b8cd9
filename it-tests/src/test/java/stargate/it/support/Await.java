package stargate.it.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Bounded polling for conditions that other processes make true eventually. */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(100);

    private Await() {
    }

    /** A check that may throw (an assertion, an I/O call). */
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 100 ms until it holds; an AssertionError naming {@code what} once {@code timeout} is up. */
    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        until(() -> what, timeout, condition);
    }

    /** As {@link #until(String, Duration, Condition)}, the message built at the time of failure (to show the last state seen). */
    public static void until(Supplier<String> what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what.get());
            }
            Thread.sleep(POLL);
        }
    }
}
