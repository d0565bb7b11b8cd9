/**
 * {@code request-transformer} and {@code response-transformer}: header edits (remove, set, add, in
 * that order) and an upstream path template. Entry classes:
 * {@link stargate.node.plugin.transform.RequestTransformerFactory},
 * {@link stargate.node.plugin.transform.ResponseTransformerFactory}.
 */
package stargate.node.plugin.transform;
