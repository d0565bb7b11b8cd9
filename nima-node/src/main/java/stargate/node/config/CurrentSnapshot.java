package stargate.node.config;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The single reference to the config being served. Readers call {@link #get()} once per request;
 * a new config is published with {@link #swap(Snapshot)}, one atomic write.
 */
public final class CurrentSnapshot {
    private final AtomicReference<Snapshot> current = new AtomicReference<>();

    /** The snapshot being served, or null before the first valid config. */
    public Snapshot get() {
        return current.get();
    }

    /** Publishes {@code next}; returns the snapshot it replaced (null at start). */
    public Snapshot swap(Snapshot next) {
        return current.getAndSet(next);
    }
}
