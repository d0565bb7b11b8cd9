/**
 * The plugin system (SPEC §6): small Java classes that run on every request of the routes they are
 * configured for, in a fixed order of {@link stargate.node.plugin.Phase}s.
 *
 * <p>For plugin authors: implement {@link stargate.node.plugin.Plugin} (request and response phase,
 * both pass through by default) and a {@link stargate.node.plugin.PluginFactory} (usually a
 * {@link stargate.node.plugin.RecordPluginFactory} over a config record), list the factory in
 * {@code META-INF/services/stargate.node.plugin.PluginFactory}, and drop the jar into the node's
 * plugins directory. See {@code docs/plugins.md}.
 *
 * <p>For the node: {@link stargate.node.plugin.PluginRegistry} finds the factories at start and gives
 * the validator its catalog; {@link stargate.node.plugin.ChainCompiler} builds each snapshot's
 * {@link stargate.node.plugin.PluginChain}s (config-time objects); the proxy handler runs a route's
 * chain with one {@link stargate.node.plugin.Exchange} per request (per-request state). The built-in
 * plugins live one per sub-package ({@code keyauth}, {@code ratelimit}, ...).
 */
package stargate.node.plugin;
