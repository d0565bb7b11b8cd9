package stargate.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;
import stargate.model.rollout.Rollout;

/**
 * Follows {@code <prefix>/rollouts/} (docs/rollout.md) and tells the config source which part this
 * node plays: none, canary (serve the rollout's change), or baseline (serve the config folders,
 * count on the rollout's baseline) while a rollout is active (baking, or being promoted).
 * The folder holds a handful of small keys, so every
 * watch event simply re-reads it; a record that does not read is logged once and ignored. Kept
 * apart from {@link EtcdSource}'s config watch on purpose: rollouts are not config folders.
 */
final class RolloutWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RolloutWatch.class.getName());
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** How often the following thread looks up from waiting for a poke (to notice the end of the watch). */
    private static final Duration POKE_WAIT = Duration.ofMillis(500);

    /**
     * The part this node plays.
     *
     * @param rollout the baking rollout; null = none
     * @param canary  whether this node serves its change
     */
    record Assignment(Rollout rollout, boolean canary) {
        static final Assignment NONE = new Assignment(null, false);

        String rolloutId() {
            return rollout == null ? null : rollout.id();
        }

        /** Same rollout, same side: nothing for the node to do. */
        boolean sameAs(Assignment other) {
            return Objects.equals(rolloutId(), other.rolloutId()) && canary == other.canary;
        }
    }

    private final Client client;
    private final String folder;
    private final String nodeId;
    private final Consumer<Assignment> onChange;
    private final Backoff backoff = new Backoff(ThreadLocalRandom.current());
    private final Set<String> unreadable = new HashSet<>();
    private final LinkedBlockingQueue<Boolean> pokes = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile CompletableFuture<Throwable> watchEnded = new CompletableFuture<>();
    private Thread thread;
    private Assignment assignment = Assignment.NONE;
    /** The revision of the last read: the watch goes on from the next one. */
    private long revision;

    RolloutWatch(Client client, String prefix, String nodeId, Consumer<Assignment> onChange) {
        this.client = client;
        this.folder = prefix + "/rollouts/";
        this.nodeId = nodeId;
        this.onChange = onChange;
    }

    /**
     * Reads the folder now (the node's first config already carries its part).
     *
     * @return the part; throws when etcd does not answer
     */
    synchronized Assignment read() throws Exception {
        GetResponse response = client.getKVClient().get(ByteSequence.from(folder, UTF_8),
                GetOption.builder().isPrefix(true).build()).get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Rollout baking = null;
        for (KeyValue kv : response.getKvs()) {
            String key = kv.getKey().toString(UTF_8);
            try {
                Rollout r = Rollout.read(kv.getValue().toString(UTF_8));
                if (r.state().active() && (baking == null || r.id().compareTo(baking.id()) > 0)) {
                    baking = r;
                }
            } catch (IllegalArgumentException e) {
                if (unreadable.add(key + "@" + kv.getModRevision())) {
                    LOG.warning("event=rollout_unreadable key=" + key + " error=\"" + e.getMessage() + "\" action=ignored");
                }
            }
        }
        assignment = baking == null ? Assignment.NONE : new Assignment(baking, baking.canaries().contains(nodeId));
        revision = response.getHeader().getRevision();
        return assignment;
    }

    /** Follows the folder from the last read on, calling back on every change of part. */
    void start() {
        thread = Thread.ofPlatform().daemon().name("etcd-rollouts").start(this::loop);
    }

    private void loop() {
        long from = revision == 0 ? 0 : revision + 1; // 0: never read (the node started from its cache)
        while (!closed) {
            try {
                if (from == 0) {
                    reread();
                    from = revision + 1;
                }
                backoff.reset();
                CompletableFuture<Throwable> ended = new CompletableFuture<>();
                watchEnded = ended;
                WatchOption option = WatchOption.builder().isPrefix(true).withRevision(from).build();
                // The listener runs on jetcd's event loop: it only pokes this thread, which reads. A read
                // made in the listener would wait for the loop it blocks (and starve the node's lease).
                try (Watch.Watcher ignored = client.getWatchClient().watch(ByteSequence.from(folder, UTF_8), option,
                        Watch.listener(response -> pokes.offer(Boolean.TRUE), ended::complete, () -> ended.complete(null)))) {
                    while (!closed && !ended.isDone()) {
                        if (pokes.poll(POKE_WAIT.toMillis(), TimeUnit.MILLISECONDS) != null) {
                            pokes.clear();
                            reread();
                        }
                    }
                }
                from = 0;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                from = 0;
                LOG.warning("event=rollout_watch_failed error=\"" + e.getMessage() + "\" action=retry");
                try {
                    Thread.sleep(backoff.next());
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Reads the folder again and calls back when the part changed. */
    private void reread() throws Exception {
        Assignment before = assignment;
        Assignment now = read();
        if (!now.sameAs(before)) {
            onChange.accept(now);
        }
    }

    @Override
    public void close() {
        closed = true;
        watchEnded.complete(null);
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
