package stargate.node.config;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import stargate.node.observe.SourceStatus;

/**
 * The single reference to the config being served. Readers call {@link #get()} once per request;
 * a new config is published with {@link #swap(Snapshot)}, one atomic write. Beside it, a source
 * that reports more than the snapshot carries (etcd: connection, rejected objects) publishes a
 * {@link SourceStatus} for {@code /status}.
 */
public final class CurrentSnapshot {
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private volatile Supplier<SourceStatus> sourceStatus;

    /** The snapshot being served, or null before the first valid config. */
    public Snapshot get() {
        return current.get();
    }

    /** Publishes {@code next}; returns the snapshot it replaced (null at start). */
    public Snapshot swap(Snapshot next) {
        return current.getAndSet(next);
    }

    /** The source's own report, or null when the source has none (standalone file). */
    public SourceStatus sourceStatus() {
        Supplier<SourceStatus> status = sourceStatus;
        return status == null ? null : status.get();
    }

    /** @param status asked on each {@code /status} request, so it can report what changed without an apply */
    public void reportSource(Supplier<SourceStatus> status) {
        sourceStatus = status;
    }
}
