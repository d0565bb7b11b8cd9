package stargate.node.config;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import stargate.model.Upstream;
import stargate.node.grpc.GrpcChannel;
import stargate.node.proxy.RetryBudget;
import stargate.node.proxy.TargetPool;

/**
 * Connection pools per target and retry budgets per upstream, kept across config changes: a reload
 * that leaves a target as it was keeps its warm connections (and an upstream its retry history). A pool
 * whose target left the config is closed after a grace period, so requests still running on the old
 * snapshot finish on it first. Health state lives in {@link stargate.node.health.HealthRegistry}.
 */
final class TargetPools implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TargetPools.class.getName());
    /** How long a retired pool stays open for requests that started on the previous snapshot. */
    private static final long RETIRE_AFTER_SECONDS = 60;

    /** {@link TargetPool}s of http(s) targets and {@link GrpcChannel}s of grpc(s) ones (the URL tells which). */
    private final Map<PoolKey, AutoCloseable> pools = new ConcurrentHashMap<>();
    private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retirer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pool-retirer");
        t.setDaemon(true);
        return t;
    });

    /** The pool for a target with these settings, reusing the existing one when nothing changed. */
    TargetPool pool(Upstream upstream, Upstream.Target target) {
        PoolKey key = new PoolKey(target.url(), upstream.pool(), upstream.tls());
        return (TargetPool) pools.computeIfAbsent(key, k -> TargetPool.create(k.url(), k.pool(), k.tls()));
    }

    /** The HTTP/2 connections of a gRPC target with these settings, reusing the existing ones when nothing changed. */
    GrpcChannel channel(Upstream upstream, Upstream.Target target) {
        PoolKey key = new PoolKey(target.url(), upstream.pool(), upstream.tls());
        return (GrpcChannel) pools.computeIfAbsent(key, k -> GrpcChannel.create(k.url(), k.pool(), k.tls()));
    }

    /** The retry budget of an upstream, the same one for as long as the upstream exists. */
    RetryBudget budget(Upstream upstream) {
        return budgets.computeIfAbsent(upstream.id(), id -> new RetryBudget());
    }

    /** After a swap: schedules the close of every pool the new config no longer uses. */
    void retainOnly(Iterable<Upstream> upstreams) {
        Set<PoolKey> live = new HashSet<>();
        Set<String> liveUpstreams = new HashSet<>();
        for (Upstream upstream : upstreams) {
            liveUpstreams.add(upstream.id());
            for (Upstream.Target target : upstream.targets()) {
                live.add(new PoolKey(target.url(), upstream.pool(), upstream.tls()));
            }
        }
        budgets.keySet().retainAll(liveUpstreams);
        for (PoolKey key : Set.copyOf(pools.keySet())) {
            if (!live.contains(key)) {
                AutoCloseable retired = pools.remove(key);
                LOG.fine(() -> "event=pool_retired target=" + key.url());
                retirer.schedule(() -> closeQuietly(retired), RETIRE_AFTER_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        retirer.shutdownNow();
        pools.values().forEach(TargetPools::closeQuietly);
        pools.clear();
    }

    /** Both kinds close without checked exceptions; this only satisfies {@link AutoCloseable}'s signature. */
    private static void closeQuietly(AutoCloseable pool) {
        try {
            pool.close();
        } catch (Exception e) {
            LOG.fine(() -> "event=pool_close_failed error=" + e);
        }
    }

    private record PoolKey(String url, Upstream.Pool pool, Upstream.Tls tls) {
    }
}
