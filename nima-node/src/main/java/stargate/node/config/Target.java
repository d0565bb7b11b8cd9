package stargate.node.config;

import stargate.node.health.TargetHealth;
import stargate.node.proxy.TargetPool;

/**
 * One upstream target as the request path sees it.
 *
 * @param url    the target's URL as configured, e.g. {@code http://10.0.0.11:8080}
 * @param pool   its connection pool (kept across config changes while the target stays)
 * @param health its health state (kept likewise; read by balancers, written by the checks)
 */
public record Target(String url, TargetPool pool, TargetHealth health) {
    /** Whether a balancer may pick this target at {@code nowNanos} ({@code System.nanoTime()}). */
    public boolean eligible(long nowNanos) {
        return health.eligible(nowNanos);
    }
}
