/**
 * Load balancing: which target of an upstream takes the next exchange.
 *
 * <p>Entry point: {@link stargate.node.balancer.Balancer#create(stargate.model.Upstream, java.util.List)}
 * builds one balancer per upstream when a config snapshot is compiled (never per request). The node
 * adapts its request to a {@link stargate.node.balancer.PickContext} and passes an eligibility predicate
 * (healthy, not ejected, not already tried by a retry); every algorithm honours it, picks only among the
 * targets it accepts and gives up with {@code null} after a bounded scan.
 *
 * <p>Algorithms, one class each, with a design comment: {@code RoundRobin}, {@code SmoothWeighted}
 * (nginx's smooth weighted round-robin), {@code IpHash} (weighted rendezvous hashing),
 * {@code LeastConnections} (fewest in-flight per unit of weight) and {@code ConsistentHashRing}
 * (a ring of virtual nodes keyed by {@code hash_on}). A target with weight 0 is drained: no algorithm
 * ever picks it.
 */
package stargate.node.balancer;
