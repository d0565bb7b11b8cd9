/**
 * The node's sockets and the request entry point. {@link stargate.node.listener.Listeners} opens the
 * proxy (http/https with SNI) and admin listeners; {@code ProxyHandler} is where every proxied
 * request starts: snapshot -> route -> balancer -> upstream call -> metrics and access log.
 * {@link stargate.node.listener.AdminEndpoints} answers on the admin listener (health, metrics,
 * status, explain).
 */
package stargate.node.listener;
