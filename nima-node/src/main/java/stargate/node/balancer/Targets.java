package stargate.node.balancer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import stargate.model.Upstream;

/**
 * An upstream's targets as the balancers see them: the node's objects by index, with each one's weight
 * and a hash of its url (the hashing balancers place targets by url, not by position, so adding or
 * removing one target leaves the others where they were).
 */
final class Targets<T> {
    static final int MAX_WEIGHT = 1000;

    private final List<T> items;
    private final int[] weights;
    private final long[] urlHashes;
    private final List<Balancer.Pick<T>> fixedPicks;

    Targets(List<Upstream.Target> configured, List<T> items) {
        if (configured.size() != items.size()) {
            throw new IllegalArgumentException("upstream has " + configured.size() + " targets but "
                    + items.size() + " were given");
        }
        this.items = List.copyOf(items);
        this.weights = new int[items.size()];
        this.urlHashes = new long[items.size()];
        List<Balancer.Pick<T>> picks = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Upstream.Target target = configured.get(i);
            if (target.weight() < 0 || target.weight() > MAX_WEIGHT) {
                throw new IllegalArgumentException("target " + target.url() + ": weight " + target.weight()
                        + " is outside 0.." + MAX_WEIGHT);
            }
            weights[i] = target.weight();
            urlHashes[i] = KeyHash.of(target.url());
            picks.add(new Fixed<>(this.items.get(i)));
        }
        this.fixedPicks = List.copyOf(picks);
    }

    int size() {
        return weights.length;
    }

    int weight(int index) {
        return weights[index];
    }

    long urlHash(int index) {
        return urlHashes[index];
    }

    /** Whether the target may be picked: not drained (weight 0) and accepted by the caller. */
    boolean eligible(int index, Predicate<? super T> eligible) {
        return weights[index] > 0 && eligible.test(items.get(index));
    }

    /** The pick of a target by a balancer that keeps no per-exchange state: shared, closing it does nothing. */
    Balancer.Pick<T> fixedPick(int index) {
        return fixedPicks.get(index);
    }

    T get(int index) {
        return items.get(index);
    }

    private record Fixed<T>(T target) implements Balancer.Pick<T> {
        @Override
        public void close() {
        }
    }
}
