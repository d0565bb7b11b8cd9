package stargate.node.balancer;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * {@code consistent-hash}: requests with the same {@code hash_on} key go to the same target, and a change
 * of targets moves only the keys it must.
 *
 * <p>Each target owns points on a ring of 64-bit hashes, {@value #POINTS_PER_WEIGHT} per unit of weight
 * (virtual nodes: many small arcs per target even out the arc lengths, so shares follow the weights within
 * a few percent). A key goes to the owner of the first point at or after its hash, wrapping around. Points
 * are derived from the target's url, not its position, so removing one of n targets moves only the keys on
 * its arcs (about 1/n of them, each to the next point's owner, spread over all the others), and adding a
 * target takes about 1/(n+1) of the keys, only for itself. When the owner is ineligible (down, or already
 * tried by a retry) the walk goes on to the next point of a different, eligible target: deterministic, and
 * it stops once every target has been refused, so it always terminates.
 *
 * <p>Layout: one sorted {@code long[]}; each point keeps the top {@value #HASH_BITS} bits of its hash and
 * the owner's index in the low {@value #INDEX_BITS} bits (a 48-bit collision among ~10^5 points is
 * negligible, and the index only breaks such ties). Cost: O(log p) binary search per pick for p points; the
 * walk past ineligible owners reads consecutive points, tests each owner once, and stops when all have been
 * refused: O(p) reads and O(n) predicate calls at worst, a few points in the usual case. Building is O(p log p)
 * per config change. Ring size is capped at {@value #MAX_POINTS} points (8 bytes each): heavy weights are
 * scaled down together, keeping their ratios, with at least one point per target of non-zero weight.
 *
 * <p>References: Karger et al., "Consistent hashing and random trees", STOC 1997; nginx {@code hash ...
 * consistent} (ketama: 160 points per unit of weight); Envoy's ring hash load balancer.
 */
final class ConsistentHashRing<T> implements Balancer<T> {
    /** Virtual nodes per unit of weight, as ketama and nginx use. */
    static final int POINTS_PER_WEIGHT = 160;
    /** Upper bound on the ring's points: 1 MiB of ring per upstream. */
    static final int MAX_POINTS = 1 << 17;
    static final int INDEX_BITS = 16;
    static final int HASH_BITS = Long.SIZE - INDEX_BITS;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final Targets<T> targets;
    private final HashOn hashOn;
    private final long[] ring;
    private final int owners;

    ConsistentHashRing(Targets<T> targets, HashOn hashOn) {
        if (targets.size() > INDEX_MASK + 1) {
            throw new IllegalArgumentException("consistent-hash supports up to " + (INDEX_MASK + 1) + " targets");
        }
        this.targets = targets;
        this.hashOn = hashOn;
        this.ring = build(targets);
        this.owners = (int) Arrays.stream(ring).map(point -> point & INDEX_MASK).distinct().count();
    }

    @Override
    public Pick<T> pick(PickContext request, Predicate<? super T> eligible) {
        if (ring.length == 0) {
            return null;
        }
        int start = firstPointAtOrAfter(hashOn.hash(request));
        int owner = owner(start);
        return targets.eligible(owner, eligible) ? targets.fixedPick(owner) : walk(start, owner, eligible);
    }

    /** The slow path: the key's owner was refused; the next point of an eligible owner wins. */
    private Pick<T> walk(int start, int refusedOwner, Predicate<? super T> eligible) {
        boolean[] refused = new boolean[targets.size()];
        refused[refusedOwner] = true;
        int left = owners - 1;
        for (int step = 1; step < ring.length && left > 0; step++) {
            int owner = owner((start + step) % ring.length);
            if (!refused[owner]) {
                if (targets.eligible(owner, eligible)) {
                    return targets.fixedPick(owner);
                }
                refused[owner] = true;
                left--;
            }
        }
        return null;
    }

    private int firstPointAtOrAfter(long hash) {
        int found = Arrays.binarySearch(ring, hash);
        int index = found >= 0 ? found : -found - 1;
        return index == ring.length ? 0 : index;
    }

    private int owner(int point) {
        return (int) (ring[point] & INDEX_MASK);
    }

    private static long[] build(Targets<?> targets) {
        long totalWeight = 0;
        for (int i = 0; i < targets.size(); i++) {
            totalWeight += targets.weight(i);
        }
        double scale = Math.min(1.0, MAX_POINTS / (double) (POINTS_PER_WEIGHT * Math.max(1, totalWeight)));
        int[] points = new int[targets.size()];
        int total = 0;
        for (int i = 0; i < targets.size(); i++) {
            int weight = targets.weight(i);
            points[i] = weight == 0 ? 0 : Math.max(1, (int) Math.round(weight * POINTS_PER_WEIGHT * scale));
            total += points[i];
        }
        long[] ring = new long[total];
        int next = 0;
        for (int i = 0; i < targets.size(); i++) {
            for (int point = 1; point <= points[i]; point++) {
                // SplitMix64 seeded by the url: the same url yields the same points in every snapshot
                long hash = KeyHash.mix(targets.urlHash(i) + point * KeyHash.GOLDEN_GAMMA);
                ring[next++] = (hash & ~INDEX_MASK) | i;
            }
        }
        Arrays.sort(ring);
        return ring;
    }
}
