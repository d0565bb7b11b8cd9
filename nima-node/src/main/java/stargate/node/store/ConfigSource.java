package stargate.node.store;

import java.util.function.Supplier;

/**
 * Where the served config comes from: a file ({@link FileSource}) or etcd ({@link EtcdSource}).
 * Made and loaded before the listeners open (the first config is served from the first request),
 * started once they are.
 */
public interface ConfigSource extends AutoCloseable {
    /**
     * Follows changes from now on.
     *
     * @param address the proxy address other parts of the system reach this node at; asked only by a
     *                source that publishes it (etcd mode registers the node)
     * @param version this node's version, published with it
     */
    void start(Supplier<String> address, String version);

    /** Stops following changes; the config being served stays. */
    @Override
    void close();
}
