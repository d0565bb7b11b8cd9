package stargate.node.balancer;

import java.util.List;
import java.util.function.Predicate;

import stargate.model.Upstream;

/**
 * Chooses the target of an upstream that takes the next exchange.
 *
 * <p>A balancer is built once per upstream and config snapshot, is safe for any number of concurrent
 * callers, and never blocks on I/O. {@code T} is whatever the node keeps per target (a connection pool,
 * a health record...); the balancer never looks inside it, it only hands it to the eligibility predicate
 * and back to the caller.
 *
 * <p>Retries: to try a different target than the ones that already failed, pass a predicate that also
 * rejects those ({@code t -> healthy(t) && !tried.contains(t)}). Every algorithm then moves on to its
 * next choice (the next point on the ring, the next rendezvous score, the next in turn) and returns
 * null once no target is left.
 *
 * <pre>{@code
 * try (Balancer.Pick<Pool> pick = balancer.pick(context, pool -> pool.healthy())) {
 *     if (pick == null) { ... 503, no healthy upstream ... }
 *     ... exchange with pick.target() ...
 * }
 * }</pre>
 *
 * @param <T> the node's per-target object
 */
public interface Balancer<T> {

    /**
     * Picks a target among those {@code eligible} accepts, never one of weight 0.
     *
     * @param request  the request being placed; read only by the hashing balancers
     * @param eligible accepts the targets that may take it; called on the caller's thread, possibly
     *                 several times per pick, so it must be cheap and must not block
     * @return the chosen target, to be closed when the exchange with it ends; null when no target is eligible
     */
    Pick<T> pick(PickContext request, Predicate<? super T> eligible);

    /**
     * The balancer {@code upstream.balancer()} names.
     *
     * @param upstream the upstream's config, for the algorithm, {@code hash_on} and each target's weight and url
     * @param targets  the node's object for each target, in the order of {@code upstream.targets()}
     * @throws IllegalArgumentException when the lists differ in size, a weight is outside 0..1000,
     *                                  or {@code hash_on} is malformed (all of which validation rejects first)
     */
    static <T> Balancer<T> create(Upstream upstream, List<T> targets) {
        Targets<T> indexed = new Targets<>(upstream.targets(), targets);
        return switch (upstream.balancer()) {
            case ROUND_ROBIN -> new RoundRobin<>(indexed);
            case WEIGHTED -> new SmoothWeighted<>(indexed);
            case IP_HASH -> new IpHash<>(indexed);
            case LEAST_CONNECTIONS -> new LeastConnections<>(indexed);
            case CONSISTENT_HASH -> new ConsistentHashRing<>(indexed, HashOn.parse(upstream.hashOn()));
        };
    }

    /**
     * A target chosen for one exchange. Closing it tells the balancer the exchange is over
     * ({@code least-connections} counts the exchanges in flight); close is idempotent and never throws.
     *
     * @param <T> the node's per-target object
     */
    interface Pick<T> extends AutoCloseable {

        /** The chosen target. */
        T target();

        /** Ends the exchange with {@link #target()}; later calls do nothing. */
        @Override
        void close();
    }
}
