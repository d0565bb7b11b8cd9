/**
 * What the node tells operators: {@link stargate.node.observe.Metrics} (every metric name) and
 * {@link stargate.node.observe.AccessLog} (one JSON line per request). It depends on no other node
 * package (config and health record into it); the admin port's endpoints, which read the snapshot
 * and the health state, are {@link stargate.node.listener.AdminEndpoints}.
 */
package stargate.node.observe;
