package stargate.node.store;

/** Where the served config comes from: a file ({@link FileSource}) or etcd ({@link EtcdSource}). */
public interface ConfigSource extends AutoCloseable {
    /** Stops following changes; the config being served stays. */
    @Override
    void close();
}
