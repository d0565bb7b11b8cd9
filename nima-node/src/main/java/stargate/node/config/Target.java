package stargate.node.config;

import stargate.node.health.TargetHealth;
import stargate.node.proxy.TargetPool;

/**
 * One upstream target as the request path sees it.
 *
 * @param url    the target's URL as configured, e.g. {@code http://10.0.0.11:8080}
 * @param pool   its connection pool (kept across config changes while the target stays)
 * @param health its health state (read by balancers)
 */
public record Target(String url, TargetPool pool, TargetHealth health) {
    /** Whether a balancer may pick this target now. */
    public boolean eligible() {
        return health.eligible();
    }
}
