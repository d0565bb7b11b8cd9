package stargate.node.balancer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * {@code round-robin}: each target in turn, weights ignored (except that weight 0 drains a target;
 * use {@code weighted} for ratios).
 *
 * <p>One shared counter gives each pick its turn: {@code getAndIncrement} hands every caller a distinct
 * value, so with all targets eligible the spread is exact even under concurrency, with no lock. An
 * ineligible target is skipped by scanning forward. Plain skipping would hand the skipped turn to the
 * next target, which then takes two shares (A, B down, C: C gets 2/3). So the counter also advances past
 * the skipped targets, and the next caller starts after the target just picked; single-threaded the
 * eligible targets then alternate exactly, concurrently nearly so.
 *
 * <p>Cost: O(1) with all targets eligible; O(n) predicate calls at worst (every target ineligible, then
 * null). The counter is one contended cache line, updated once per pick (twice after a skip).
 */
final class RoundRobin<T> implements Balancer<T> {
    private final Targets<T> targets;
    private final AtomicLong turn = new AtomicLong();

    RoundRobin(Targets<T> targets) {
        this.targets = targets;
    }

    @Override
    public Pick<T> pick(PickContext request, Predicate<? super T> eligible) {
        int size = targets.size();
        long start = turn.getAndIncrement();
        for (int skipped = 0; skipped < size; skipped++) {
            int index = Math.floorMod(start + skipped, size);
            if (targets.eligible(index, eligible)) {
                if (skipped > 0) {
                    turn.getAndAdd(skipped);
                }
                return targets.fixedPick(index);
            }
        }
        return null;
    }
}
