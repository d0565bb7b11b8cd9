/**
 * Where configs come from, behind {@link stargate.node.store.ConfigSource}:
 * {@link stargate.node.store.FileSource} (standalone YAML file) and
 * {@link stargate.node.store.EtcdSource} (distributed mode: read the config folders, watch them, validate object
 * by object in {@code EtcdConfigReader}, keep the last good config on disk in {@code LastGoodCache},
 * register the node under {@code nodes/} with a lease in {@code NodeRegistration}). Each source hands
 * what it reads to {@link stargate.node.config.ConfigApplier}.
 */
package stargate.node.store;
