package stargate.node.config;

import stargate.model.Route;
import stargate.node.observe.RouteMetrics;
import stargate.node.plugin.PluginChain;
import stargate.node.proxy.RetryPolicy;
import stargate.node.router.ForwardPath;

/**
 * A route ready to serve: its model, its upstream, how the forwarded path is built, its meters, its
 * retries, and its plugin chain (null when no plugin applies, so the plain path does no plugin work).
 */
public record CompiledRoute(Route route, CompiledUpstream upstream, ForwardPath forwardPath, RouteMetrics metrics,
                            RetryPolicy retry, PluginChain plugins) {
    public String id() {
        return route.id();
    }

    /** This route sending to another upstream (a plugin split the traffic); allocates one record. */
    public CompiledRoute withUpstream(CompiledUpstream other) {
        return new CompiledRoute(route, other, forwardPath, metrics, retry, plugins);
    }
}
