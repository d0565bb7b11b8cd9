package stargate.node.balancer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Predicate;

/**
 * {@code least-connections}: the target with the fewest exchanges in flight per unit of weight.
 *
 * <p>Each pick counts one exchange in flight on its target until the pick is closed. The load of a
 * target is {@code (inFlight + 1) / weight}: the load it would have after taking this request, as
 * HAProxy's {@code leastconn} computes it. The {@code + 1} lets weights matter even when every target is
 * idle (a weight-3 target takes three concurrent exchanges before a weight-1 one takes its first), and
 * means light sequential traffic all goes to the heaviest target. Loads are compared by cross-multiplying,
 * without division. Ties, the normal case when targets are equally weighted and idle, are broken uniformly
 * at random (reservoir sampling over the tied targets), which is unbiased also when some targets are
 * ineligible; a rotating start would hand an ineligible target's ties to its neighbour.
 *
 * <p>Cost: O(n) per pick, plus one atomic increment and, on close, one decrement. No lock: two concurrent
 * pickers may read the same counts and both choose the same idle target; that only matters for a moment,
 * since the next pick sees both exchanges. Power-of-two-choices would be O(1) but only approximates the
 * least-loaded target, where upstreams hold a few targets to a few hundred.
 *
 * <p>References: HAProxy {@code leastconn} ({@code src/lb_fwlc.c}); nginx {@code least_conn}.
 */
final class LeastConnections<T> implements Balancer<T> {
    private final Targets<T> targets;
    private final AtomicIntegerArray inFlight;

    LeastConnections(Targets<T> targets) {
        this.targets = targets;
        this.inFlight = new AtomicIntegerArray(targets.size());
    }

    @Override
    public Pick<T> pick(PickContext request, Predicate<? super T> eligible) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int best = -1;
        long bestLoad = 0;
        long bestWeight = 1;
        int ties = 0;
        for (int i = 0; i < targets.size(); i++) {
            if (!targets.eligible(i, eligible)) {
                continue;
            }
            long load = inFlight.get(i) + 1L;
            long weight = targets.weight(i);
            long order = best < 0 ? -1 : Long.compare(load * bestWeight, bestLoad * weight);
            if (order < 0) {
                ties = 1;
            } else if (order > 0 || random.nextInt(++ties) != 0) {
                continue;
            }
            best = i;
            bestLoad = load;
            bestWeight = weight;
        }
        if (best < 0) {
            return null;
        }
        inFlight.incrementAndGet(best);
        return new Exchange<>(targets.get(best), best, inFlight);
    }

    /** Exchanges in flight on a target, for tests. */
    int inFlight(int index) {
        return inFlight.get(index);
    }

    private static final class Exchange<T> implements Pick<T> {
        private static final VarHandle CLOSED;

        static {
            try {
                CLOSED = MethodHandles.lookup().findVarHandle(Exchange.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final T target;
        private final int index;
        private final AtomicIntegerArray inFlight;
        @SuppressWarnings("unused") // accessed through CLOSED
        private volatile boolean closed;

        Exchange(T target, int index, AtomicIntegerArray inFlight) {
            this.target = target;
            this.index = index;
            this.inFlight = inFlight;
        }

        @Override
        public T target() {
            return target;
        }

        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, false, true)) {
                inFlight.decrementAndGet(index);
            }
        }
    }
}
