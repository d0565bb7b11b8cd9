package stargate.node.balancer;

import java.util.function.Predicate;

/**
 * {@code weighted}: smooth weighted round-robin, nginx's algorithm.
 *
 * <p>Each target keeps a {@code current} score. On every pick each eligible target adds its weight to its
 * score, the highest score wins (the first on ties), and the winner gives back the total weight of the
 * eligible targets. Over a cycle of {@code sum(weights)} picks every target is picked exactly
 * {@code weight} times, and the picks are interleaved rather than bunched: weights 5:1:1 give
 * {@code a a b a c a a}, not {@code a a a a a b c}, so a heavy target never sees a burst. An ineligible target
 * is left out of both the additions and the total, so the others keep their ratios among themselves;
 * its score stays frozen until it returns, which delays or advances its first turns by at most one cycle.
 *
 * <p>Cost: O(n) per pick. Concurrency: the scores are a shared mutable state whose update must be atomic
 * to keep the exact ratios, so it takes a lock. The eligibility predicate runs before the lock, so the
 * critical section is a loop of integer arithmetic with no calls out: about a nanosecond per target, well
 * under a microsecond at 100 targets, against the milliseconds of the exchange it serves, so the lock is
 * busy a small fraction of the time even at hundreds of thousands of picks a second. It is a monitor on
 * purpose: HotSpot spins adaptively for sections this short, and since JDK 24 (JEP 491) a virtual thread
 * waiting for a monitor unmounts instead of pinning its carrier (on JDK 21 it pins for at most the length
 * of the section, as nothing inside blocks).
 *
 * <p>Reference: nginx 1.3.1 (2012), commit 2c96914 "Upstream: smooth weighted round-robin balancing",
 * {@code ngx_http_upstream_get_peer} in {@code src/http/ngx_http_upstream_round_robin.c}; it also reduces a
 * failing peer's effective weight, which here is the health checks' job (they make the target ineligible).
 */
final class SmoothWeighted<T> implements Balancer<T> {
    private final Targets<T> targets;
    /** Guarded by {@code this}. */
    private final long[] current;

    SmoothWeighted(Targets<T> targets) {
        this.targets = targets;
        this.current = new long[targets.size()];
    }

    @Override
    public Pick<T> pick(PickContext request, Predicate<? super T> eligible) {
        boolean[] candidates = new boolean[targets.size()];
        boolean any = false;
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = targets.eligible(i, eligible);
            any |= candidates[i];
        }
        return any ? targets.fixedPick(next(candidates)) : null;
    }

    private synchronized int next(boolean[] candidates) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i]) {
                current[i] += targets.weight(i);
                total += targets.weight(i);
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
        }
        current[best] -= total;
        return best;
    }
}
