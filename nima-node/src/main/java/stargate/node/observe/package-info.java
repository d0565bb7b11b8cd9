/**
 * What the node tells operators: {@link stargate.node.observe.Metrics} (every metric name),
 * {@link stargate.node.observe.AccessLog} (one JSON line per request) and
 * {@link stargate.node.observe.AdminEndpoints} (health, metrics, status, explain on the admin port).
 */
package stargate.node.observe;
