/**
 * Immutable, compiled config and how it is published. {@link stargate.node.config.ConfigApplier}
 * validates a config, {@link stargate.node.config.SnapshotCompiler} compiles it into a
 * {@link stargate.node.config.Snapshot} off the request path, and
 * {@link stargate.node.config.CurrentSnapshot} publishes it with one atomic swap.
 */
package stargate.node.config;
