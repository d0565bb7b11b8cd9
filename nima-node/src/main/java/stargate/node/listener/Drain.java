package stargate.node.listener;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Graceful shutdown bookkeeping: counts requests in flight and flips readiness DOWN when a
 * drain begins. The shutdown sequence (see {@code Node#stop}) is: readiness DOWN at once, the
 * proxy listener stops accepting, in-flight requests finish up to the drain timeout, exit 0.
 */
public final class Drain {
    private static final long POLL_MILLIS = 20;

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    /** @return the requests in flight, this one included */
    int enter() {
        return inFlight.incrementAndGet();
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public boolean draining() {
        return draining;
    }

    /** Readiness goes DOWN from now on. */
    public void begin() {
        draining = true;
    }

    /** Waits until no request is in flight or the timeout passes; returns whether all finished. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }
}
