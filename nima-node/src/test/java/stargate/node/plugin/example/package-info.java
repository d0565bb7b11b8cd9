/**
 * A complete third-party plugin, as a jar in the node's plugins directory would hold it: a config
 * record ({@link stargate.node.plugin.example.GreetingConfig}), its factory (entry class,
 * {@link stargate.node.plugin.example.GreetingFactory}) and the plugin. The test packs these classes
 * into a jar with a {@code META-INF/services} entry and starts a node on it.
 */
package stargate.node.plugin.example;
