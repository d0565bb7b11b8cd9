/**
 * Where configs come from: {@link stargate.node.store.FileSource} (standalone YAML file); etcd comes
 * with distributed mode. Each source hands what it reads to {@link stargate.node.config.ConfigApplier}.
 */
package stargate.node.store;
