package stargate.node.balancer;

import java.util.function.Predicate;

/**
 * {@code ip-hash}: each client address sticks to one target, by weighted rendezvous hashing
 * (highest random weight).
 *
 * <p>Every target scores the client: {@code u = hash(client, target url)} mapped into (0, 1], score
 * {@code -ln(u) / weight}; the lowest score wins. The scores are independent exponential variables of rate
 * {@code weight}, so the minimum falls on each target with probability {@code weight / sum(weights)}:
 * weights are honoured exactly in expectation, with no table to build. A client keeps its target as long as
 * that target exists; removing a target moves only the clients it had (each to its own runner-up, so they
 * spread over all the others rather than piling onto one neighbour), adding one takes about
 * {@code 1/(n+1)} of the clients from everyone. When the client's target is ineligible (down, or already
 * tried by a retry) the next-best eligible score wins, so the fallback is deterministic too.
 *
 * <p>Cost: O(n) per pick (one mix and one logarithm per target), no memory beyond the url hashes; the
 * eligibility predicate runs only for a target that beats the best score so far. A ring
 * ({@code consistent-hash}) is O(log n) per pick but needs memory per virtual node and approximates the weights.
 *
 * <p>References: Thaler, Ravishankar, "Using name-based mappings to increase hit rates", IEEE/ACM ToN 1998;
 * Schindelhauer, Schomaker, "Weighted distributed hash tables", SPAA 2005 (the {@code -ln(u)/w} form).
 */
final class IpHash<T> implements Balancer<T> {
    private final Targets<T> targets;

    IpHash(Targets<T> targets) {
        this.targets = targets;
    }

    @Override
    public Pick<T> pick(PickContext request, Predicate<? super T> eligible) {
        long client = HashOn.CLIENT_IP.hash(request);
        int best = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        for (int i = 0; i < targets.size(); i++) {
            if (targets.weight(i) > 0) {
                double score = score(client, i);
                if (score < bestScore && targets.eligible(i, eligible)) {
                    best = i;
                    bestScore = score;
                }
            }
        }
        return best < 0 ? null : targets.fixedPick(best);
    }

    private double score(long client, int index) {
        double unit = ((KeyHash.mix(client ^ targets.urlHash(index)) >>> 11) + 1) * 0x1.0p-53; // top 53 bits, in (0, 1]
        return -Math.log(unit) / targets.weight(index);
    }
}
