package stargate.node.config;

import stargate.node.grpc.GrpcChannel;
import stargate.node.health.TargetHealth;
import stargate.node.proxy.TargetPool;

/**
 * One upstream target as the request path sees it.
 *
 * @param url    the target's URL as configured, e.g. {@code http://10.0.0.11:8080}
 * @param pool   its HTTP/1.1 connection pool (kept across config changes while the target stays); null for a
 *               gRPC target
 * @param grpc   its HTTP/2 connections when it is a gRPC target ({@code grpc://}, {@code grpcs://}), kept
 *               likewise; else null
 * @param health its health state (kept likewise; read by balancers, written by the checks)
 */
public record Target(String url, TargetPool pool, GrpcChannel grpc, TargetHealth health) {
    /** Whether a balancer may pick this target at {@code nowNanos} ({@code System.nanoTime()}). */
    public boolean eligible(long nowNanos) {
        return health.eligible(nowNanos);
    }
}
