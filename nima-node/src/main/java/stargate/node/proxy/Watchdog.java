package stargate.node.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces upstream deadlines off the hot path: one platform daemon thread that every
 * {@link #TICK} scans every registered pool, closing connections stuck in one socket call past their
 * stall limit ({@link UpstreamConnection#closeIfStalled}) and idle connections past the pool's idle
 * timeout. Cost: O(open connections) per tick: two plain reads per connection.
 * A stall is detected between its limit and its limit plus one tick.
 */
final class Watchdog {
    /** Scan period: the precision of read timeouts and idle eviction. */
    static final Duration TICK = Duration.ofMillis(50);
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

    private final Set<TargetPool> pools = ConcurrentHashMap.newKeySet();

    /** The process-wide watchdog, with its thread started on first use. */
    static Watchdog shared() {
        return Shared.INSTANCE;
    }

    void register(TargetPool pool) {
        pools.add(pool);
    }

    void unregister(TargetPool pool) {
        pools.remove(pool);
    }

    /** One scan at {@code nowNanos} (a {@link System#nanoTime()} value). */
    void scan(long nowNanos) {
        for (TargetPool pool : pools) {
            pool.watch(nowNanos);
        }
    }

    private void run() {
        long tick = TICK.toNanos();
        while (true) {
            LockSupport.parkNanos(tick);
            try {
                scan(System.nanoTime());
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "upstream watchdog scan failed", e);
            }
        }
    }

    private static final class Shared {
        static final Watchdog INSTANCE = new Watchdog();

        static {
            Thread.ofPlatform().daemon().name("stargate-upstream-watchdog").start(INSTANCE::run);
        }
    }
}
