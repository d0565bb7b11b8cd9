package stargate.node.listener;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import stargate.model.routing.RouteMatch;
import stargate.node.balancer.Balancer;
import stargate.node.config.CompiledRoute;
import stargate.node.config.CompiledUpstream;
import stargate.node.config.Target;
import stargate.node.proxy.ErrorResponse;
import stargate.node.proxy.ForwardEdits;
import stargate.node.proxy.ForwardPlan;
import stargate.node.proxy.ProxyExchange;
import stargate.node.proxy.UpstreamException;

/**
 * The upstream half of an exchange: pick a target with the route's balancer, forward, and turn
 * an upstream failure into the client's JSON error (SPEC §5). {@code edits} carries what the route's
 * plugins changed (null when none ran).
 */
final class UpstreamStage {

    void forward(ServerRequest req, ServerResponse res, CompiledRoute route, RouteMatch<CompiledRoute> match,
                 String requestId, ProxyHandler.Outcome outcome, ForwardEdits edits) {
        CompiledUpstream upstream = route.upstream();
        try (Balancer.Pick<Target> pick = upstream.balancer().pick(new RequestPickContext(req), Target::eligible)) {
            if (pick == null) {
                outcome.status = 503;
                ErrorResponse.send(res, 503, "no_healthy_upstream",
                        "no healthy target in upstream \"" + upstream.id() + "\"", requestId);
                return;
            }
            Target target = pick.target();
            outcome.target = target;
            ForwardPlan plan = ForwardPlan.create(req, requestId, route.id(),
                    route.forwardPath().apply(req.path().rawPath(), req.query().rawValue(), match),
                    route.route().preserveHost(), route.route().timeouts().connect(), route.route().timeouts().read(),
                    edits);
            long upstreamStart = System.nanoTime();
            try {
                ProxyExchange.forward(req, res, target.pool(), plan);
                outcome.status = res.status().code();
            } catch (UpstreamException e) {
                outcome.status = e.kind().status();
                ErrorResponse.send(res, e, requestId);
            } finally {
                outcome.upstreamNanos = System.nanoTime() - upstreamStart;
            }
        }
    }
}
