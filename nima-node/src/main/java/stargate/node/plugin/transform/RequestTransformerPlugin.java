package stargate.node.plugin.transform;

import stargate.model.plugin.HeaderEdits;
import stargate.model.plugin.RequestTransformerConfig;
import stargate.model.routing.RouteMatch;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;
import stargate.node.router.ForwardPath;

/**
 * Edits the request before it is proxied: headers (remove, then set, then add), and the upstream
 * path, rendered from the template with the route's path variables ({@code /v2/users/{id}}); the
 * query string is kept. The template is compiled once, so a request only concatenates.
 */
final class RequestTransformerPlugin implements Plugin {
    private final HeaderEdits headers;
    private final ForwardPath path;

    RequestTransformerPlugin(RequestTransformerConfig config) {
        this.headers = config.headers();
        this.path = config.path() == null ? null : ForwardPath.rewrite(config.path());
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        headers.remove().forEach(exchange::removeRequestHeader);
        headers.set().forEach(exchange::setRequestHeader);
        headers.add().forEach(exchange::addRequestHeader);
        if (path != null) {
            RouteMatch<Void> match = new RouteMatch<>(null, exchange.route(), exchange.pathParams(), null);
            exchange.rewritePath(path.apply(exchange.request().rawPath(), null, match));
        }
        return Verdict.PASS;
    }
}
