package stargate.node.config;

import stargate.model.Route;
import stargate.node.observe.RouteMetrics;
import stargate.node.proxy.RetryPolicy;
import stargate.node.router.ForwardPath;

/**
 * A route ready to serve: its model, its upstream, how the forwarded path is built, its meters, its retries.
 */
public record CompiledRoute(Route route, CompiledUpstream upstream, ForwardPath forwardPath, RouteMetrics metrics,
                            RetryPolicy retry) {
    public String id() {
        return route.id();
    }
}
