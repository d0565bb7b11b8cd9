/**
 * The gateway's upstream side: a purpose-built pooled HTTP/1.1 client and the streaming proxy exchange.
 *
 * <p>Entry point: {@link stargate.node.proxy.ProxyExchange#forward}, given the Helidon request and
 * response, the chosen target's {@link stargate.node.proxy.TargetPool} and a
 * {@link stargate.node.proxy.ForwardPlan}. Failures before the response started come back as
 * {@link stargate.node.proxy.UpstreamException} and are answered with
 * {@link stargate.node.proxy.ErrorResponse} (which the router also uses for its own errors). Whether to
 * retry one is a route's {@link stargate.node.proxy.RetryPolicy}, capped per upstream by a
 * {@link stargate.node.proxy.RetryBudget}.
 *
 * <p>Why not Helidon WebClient: blocking socket I/O on the request's own virtual thread, TCP_NODELAY and
 * no per-read socket timeout measured ~1.7x its throughput (docs/proxy-spike.md). Deadlines are enforced
 * off the hot path by one {@code Watchdog} thread that closes stalled sockets.
 */
package stargate.node.proxy;
