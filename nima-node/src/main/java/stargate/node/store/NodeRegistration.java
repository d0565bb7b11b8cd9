package stargate.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import stargate.model.rollout.LatencyBuckets;
import stargate.node.config.Generation;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's key {@code <prefix>/nodes/<node-id>}:
 * {@code {address, version, started_at, applied_revision, last_error, labels, generation}}, bound to a lease of
 * {@link #TTL_SECONDS} kept alive by jetcd, so the key disappears within the TTL when the node dies
 * (and at once when it stops cleanly: the lease is revoked).
 *
 * <p>One scheduler thread ticks every {@link #PUBLISH_INTERVAL}: with no lease (at start, or after
 * the lease was lost, e.g. it expired while etcd was down) it grants one and writes the key; else
 * it rewrites the key only when the applied revision or error changed since the last write. So a
 * burst of applies costs at most a few writes a second, and etcd being down costs nothing but
 * failed attempts, spaced by {@link Backoff}. During a rollout the key also carries the
 * generation's request figures ({@code generation}: rollout, role, requests, 5xx, latency histogram),
 * rewritten at most every {@link #FIGURES_INTERVAL} while they move: what the controller judges
 * canaries on (docs/rollout.md), with no scraping of the nodes.
 */
final class NodeRegistration implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeRegistration.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lease TTL: how long the key outlives a node that died without revoking it. */
    static final long TTL_SECONDS = 5;
    /** Smallest spacing of two writes of the key (applied_revision changes coalesce within it). */
    static final Duration PUBLISH_INTERVAL = Duration.ofMillis(200);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    /** Smallest spacing of two writes made only because a rollout generation's figures moved. */
    static final Duration FIGURES_INTERVAL = Duration.ofSeconds(1);

    private final Client client;
    private final ByteSequence key;
    private final String address;
    private final String version;
    private final Map<String, String> labels;
    private final Supplier<Generation> generation;
    private final Instant startedAt = Instant.now();
    private final Backoff backoff = new Backoff(ThreadLocalRandom.current());
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-node-registration");
        t.setDaemon(true);
        return t;
    });

    private volatile long appliedRevision;
    private volatile String lastError;
    private volatile boolean dirty = true;
    /** Set by the keep-alive stream when etcd says the lease is gone. */
    private volatile boolean leaseLost;
    private volatile long lastKeepAliveNanos;
    // owned by the ticker thread
    private long leaseId;
    private CloseableClient keepAlive;
    private long nextAttemptNanos;
    private boolean failing;
    private long figuresWrittenNanos;
    private long requestsWritten = -1;

    /**
     * @param labels     the node's {@code --node-labels}
     * @param generation the generation being served (asked on every write)
     */
    NodeRegistration(Client client, String prefix, String nodeId, String address, String version,
                     Map<String, String> labels, Supplier<Generation> generation) {
        this.client = client;
        this.key = ByteSequence.from(prefix + "/nodes/" + nodeId, UTF_8);
        this.address = address;
        this.version = version;
        this.labels = Map.copyOf(labels);
        this.generation = generation;
    }

    void start() {
        ticker.scheduleWithFixedDelay(this::tick, 0, PUBLISH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The node now serves {@code revision}; {@code error} is its newest config error (null = none). */
    void update(long revision, String error) {
        appliedRevision = revision;
        lastError = error;
        dirty = true;
    }

    /** Whether etcd answered a keep-alive within the TTL: the node's view of etcd being reachable. */
    boolean etcdReachable() {
        return lastKeepAliveNanos != 0 && System.nanoTime() - lastKeepAliveNanos < TimeUnit.SECONDS.toNanos(TTL_SECONDS);
    }

    private void tick() {
        if (System.nanoTime() - nextAttemptNanos < 0) {
            return;
        }
        try {
            if (leaseId == 0 || leaseLost) {
                register();
            } else if (dirty || figuresMoved()) {
                dirty = false;
                put(leaseId);
            }
            backoff.reset();
            failing = false;
        } catch (Exception e) {
            dirty = true;
            if (String.valueOf(e.getMessage()).contains("lease not found")) {
                leaseLost = true; // expired while etcd was unreachable: grant a new one
            }
            Duration wait = backoff.next();
            nextAttemptNanos = System.nanoTime() + wait.toNanos();
            // the first failure of a run is worth a line; the retries while etcd stays down are not
            LOG.log(failing ? Level.FINE : Level.WARNING, "event=node_registration_failed key=" + key + " retry_in_ms="
                    + wait.toMillis() + " error=\"" + e + "\"");
            failing = true;
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A fresh lease and the key on it. jetcd ends the keep-alive stream on any stream error (etcd
     * restarted, member lost), not only when the lease expired, so the old lease may still live:
     * it is simply left to expire, the key moving to the new one.
     */
    private void register() throws Exception {
        closeKeepAlive();
        leaseId = 0;
        leaseLost = false;
        long lease = client.getLeaseClient().grant(TTL_SECONDS).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getID();
        dirty = false;
        put(lease);
        leaseId = lease;
        keepAlive = client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                lastKeepAliveNanos = System.nanoTime();
            }

            @Override
            public void onError(Throwable t) {
                leaseLost = true;
                LOG.warning("event=node_lease_lost key=" + key + " error=\"" + t.getMessage() + "\" action=register_again");
            }

            @Override
            public void onCompleted() {
                leaseLost = true;
            }
        });
        lastKeepAliveNanos = System.nanoTime();
        LOG.info("event=node_registered key=" + key + " lease=" + Long.toHexString(lease) + " ttl_s=" + TTL_SECONDS);
    }

    /** A rollout generation's figures changed, and the last write of them is {@link #FIGURES_INTERVAL} old. */
    private boolean figuresMoved() {
        Generation g = generation.get();
        return g.rollout() != null && g.requests().sum() != requestsWritten
                && System.nanoTime() - figuresWrittenNanos >= FIGURES_INTERVAL.toNanos();
    }

    private void put(long lease) throws Exception {
        ObjectNode value = JSON.createObjectNode()
                .put("address", address)
                .put("version", version)
                .put("started_at", startedAt.toString())
                .put("applied_revision", appliedRevision)
                .put("last_error", lastError);
        ObjectNode labelsNode = value.putObject("labels");
        new TreeMap<>(labels).forEach(labelsNode::put);
        Generation g = generation.get();
        long requests = g.requests().sum();
        ObjectNode figures = value.putObject("generation")
                .put("rollout", g.rollout())
                .put("role", g.rollout() == null ? null : g.canary() ? "canary" : "baseline")
                .put("requests", requests)
                .put("errors_5xx", g.errors().sum());
        long[] counts = g.latencyCounts();
        figures.put("p99_ms", LatencyBuckets.p99Millis(counts));
        ArrayNode histogram = figures.putArray("latency_counts");
        for (long c : counts) {
            histogram.add(c);
        }
        requestsWritten = requests;
        figuresWrittenNanos = System.nanoTime();
        client.getKVClient().put(key, ByteSequence.from(JSON.writeValueAsBytes(value)),
                PutOption.builder().withLeaseId(lease).build()).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void closeKeepAlive() {
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
    }

    /** Stops refreshing and revokes the lease, so the key goes at once rather than after the TTL. */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeKeepAlive();
        if (leaseId != 0) {
            try {
                client.getLeaseClient().revoke(leaseId).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.info("event=node_lease_not_revoked key=" + key + " error=\"" + e + "\" (it expires within "
                        + TTL_SECONDS + " s)");
            }
        }
    }
}
