/**
 * Request routing on the node. Matching itself is the model's {@link stargate.model.routing.RouteIndex}
 * (shared with the controller and validation); this package adds what serving needs on top:
 * {@link stargate.node.router.ForwardPath} (strip_prefix and rewrite).
 */
package stargate.node.router;
