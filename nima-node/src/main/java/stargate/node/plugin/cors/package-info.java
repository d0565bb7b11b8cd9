/**
 * {@code cors}: cross-origin resource sharing (Fetch standard, "CORS protocol"). Entry class:
 * {@link stargate.node.plugin.cors.CorsFactory}.
 */
package stargate.node.plugin.cors;
