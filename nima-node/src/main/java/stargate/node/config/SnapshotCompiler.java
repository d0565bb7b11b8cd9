package stargate.node.config;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import stargate.model.GatewayConfig;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;
import stargate.model.routing.RouteIndex;
import stargate.node.balancer.Balancer;
import stargate.node.health.HealthRegistry;
import stargate.node.health.PassivePolicy;
import stargate.node.observe.Metrics;
import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginChain;
import stargate.node.proxy.RetryPolicy;
import stargate.node.router.ForwardPath;

/**
 * Turns a validated {@link GatewayConfig} into a {@link Snapshot}: the route index, balancers,
 * pools, health state, circuit breakers, retry policies, meters and plugin chains, all built here,
 * once per config change, never on the request path.
 *
 * <p>An upstream or route equal to its version in the previous snapshot keeps its compiled object
 * (balancer state, meters, forward path): a change to one route out of 100,000 then costs one meter
 * lookup rather than 200,000, and balancers are not reset by unrelated changes. A route is reused
 * only when its upstream was reused too, so it never points at a stale upstream; a route whose plugin
 * chain changed (e.g. a global plugin) keeps its meters and gets the new chain. A whole compile
 * rebuilds the route index (O(n)); a compile of changes ({@link #compile(Snapshot, GatewayConfig, List, long, String)})
 * costs what changed. Used by one applier thread at a time.
 */
public final class SnapshotCompiler implements AutoCloseable {
    private final Metrics metrics;
    private final TargetPools pools = new TargetPools();
    private final ChainCompiler chains;
    private final HealthRegistry health;
    private Map<String, CompiledUpstream> lastUpstreams = Map.of();
    private Map<String, CompiledRoute> lastRoutes = new HashMap<>();
    /** Whether the last compile changed an upstream: {@link #published} then reconciles pools and health. */
    private boolean upstreamsChanged;

    /** @param chains builds the routes' plugin chains (the config must be valid for its registry's catalog) */
    public SnapshotCompiler(Metrics metrics, ChainCompiler chains) {
        this.metrics = metrics;
        this.chains = chains;
        this.health = new HealthRegistry(metrics);
    }

    /** Compiles {@code config} whole; it must already be valid (references resolve). */
    public Snapshot compile(GatewayConfig config, long revision, String source) {
        Map<String, CompiledUpstream> upstreams = new LinkedHashMap<>();
        for (Upstream upstream : config.upstreams()) {
            CompiledUpstream unchanged = lastUpstreams.get(upstream.id());
            upstreams.put(upstream.id(), unchanged != null && unchanged.upstream().equals(upstream)
                    ? unchanged : upstream(upstream));
        }
        ChainCompiler.Chains routeChains = chains.compile(config);
        List<CompiledRoute> routes = new ArrayList<>(config.routes().size());
        Map<String, CompiledRoute> routesById = new HashMap<>(config.routes().size() * 2);
        for (Route route : config.routes()) {
            CompiledUpstream upstream = upstreams.get(route.upstream());
            PluginChain chain = routeChains.forRoute(route.id());
            CompiledRoute previous = lastRoutes.get(route.id());
            CompiledRoute compiled;
            if (previous != null && previous.upstream() == upstream && sameRoute(previous.route(), route)) {
                compiled = previous.plugins() == chain ? previous : new CompiledRoute(route, upstream,
                        previous.forwardPath(), previous.metrics(), previous.retry(), chain);
            } else {
                compiled = route(route, upstream, chain);
            }
            routes.add(compiled);
            routesById.put(route.id(), compiled);
        }
        lastUpstreams = upstreams;
        lastRoutes = routesById;
        upstreamsChanged = true;
        return new Snapshot(revision, source, Instant.now(), config,
                RouteIndex.build(routes, CompiledRoute::route), Collections.unmodifiableMap(upstreams), routeChains.consumers());
    }

    /**
     * Compiles {@code config} from {@code previous} (the snapshot this compiler made last) and the
     * changes between them: only the changed routes and upstreams, and the routes of a changed
     * upstream, are compiled; the route index is changed in place of rebuilt ({@link RouteIndex#withChanges}).
     * Everything else is the previous snapshot's (compiled routes, balancers, pools, circuits, meters,
     * plugin instances). A change to the consumers compiles the consumers alone (O(consumers)): the
     * chains look them up in the snapshot being served ({@link #published}). A change to the global
     * plugins reaches every plugin chain: it is compiled whole.
     *
     * @param changes what differs from {@code previous.config()}; {@code config} must be valid
     */
    public Snapshot compile(Snapshot previous, GatewayConfig config, List<Change> changes, long revision, String source) {
        Map<String, Route> touchedRoutes = new LinkedHashMap<>(); // id -> route now (null = removed)
        Map<String, CompiledUpstream> upstreams = null;
        boolean consumersChanged = false;
        for (Change change : changes) {
            switch (change.kind()) {
                case ROUTE -> touchedRoutes.put(change.id(), (Route) change.after());
                case UPSTREAM -> {
                    if (upstreams == null) {
                        upstreams = new LinkedHashMap<>(lastUpstreams);
                    }
                    if (change.after() instanceof Upstream upstream) {
                        upstreams.put(upstream.id(), upstream(upstream));
                    } else {
                        upstreams.remove(change.id());
                    }
                }
                case CONSUMER -> consumersChanged = true;
                case GLOBAL_PLUGINS -> {
                    return compile(config, revision, source);
                }
                case CERTIFICATE -> { } // served by the listeners, not compiled here
            }
        }
        if (upstreams != null) {
            // routes of a changed upstream point at its new compiled version (one scan of the routes)
            for (Route route : config.routes()) {
                CompiledRoute compiled = lastRoutes.get(route.id());
                if (compiled != null && upstreams.get(route.upstream()) != compiled.upstream()) {
                    touchedRoutes.putIfAbsent(route.id(), route);
                }
            }
        }
        Map<String, CompiledUpstream> nextUpstreams = upstreams == null ? lastUpstreams : upstreams;
        List<Route> removed = new ArrayList<>();
        List<CompiledRoute> added = new ArrayList<>();
        for (Map.Entry<String, Route> e : touchedRoutes.entrySet()) {
            CompiledRoute before = lastRoutes.get(e.getKey());
            Route now = e.getValue();
            if (before != null) {
                removed.add(before.route());
                lastRoutes.remove(e.getKey());
            }
            if (now != null) {
                CompiledUpstream upstream = nextUpstreams.get(now.upstream());
                CompiledRoute compiled = before != null && sameRoute(before.route(), now)
                        ? new CompiledRoute(now, upstream, before.forwardPath(), before.metrics(), before.retry(), before.plugins())
                        : route(now, upstream, chains.route(before == null ? null : before.route(), now));
                added.add(compiled);
                lastRoutes.put(now.id(), compiled);
            } else {
                chains.route(before == null ? null : before.route(), null);
            }
        }
        lastUpstreams = nextUpstreams;
        upstreamsChanged = upstreams != null;
        return new Snapshot(revision, source, Instant.now(), config,
                removed.isEmpty() && added.isEmpty() ? previous.routes() // e.g. consumers only
                        : previous.routes().withChanges(removed, added, CompiledRoute::route),
                upstreams == null ? previous.upstreams() : Collections.unmodifiableMap(upstreams),
                consumersChanged ? chains.consumers(config.consumers()) : previous.consumers());
    }

    private CompiledUpstream upstream(Upstream upstream) {
        List<Target> targets = new ArrayList<>(upstream.targets().size());
        for (Upstream.Target target : upstream.targets()) {
            targets.add(upstream.grpc()
                    ? new Target(target.url(), null, pools.channel(upstream, target), health.target(upstream, target))
                    : new Target(target.url(), pools.pool(upstream, target), null, health.target(upstream, target)));
        }
        return new CompiledUpstream(upstream, List.copyOf(targets), Balancer.create(upstream, targets),
                health.circuit(upstream), PassivePolicy.of(upstream.healthCheck()), pools.budget(upstream));
    }

    private CompiledRoute route(Route route, CompiledUpstream upstream, PluginChain chain) {
        return new CompiledRoute(route, upstream, ForwardPath.of(route), metrics.route(route.id(), upstream.id()),
                RetryPolicy.of(route.retries()), chain);
    }

    /** Identity first: etcd mode hands over the very same record for every route that did not change. */
    private static boolean sameRoute(Route before, Route now) {
        return before == now || before.equals(now);
    }

    /**
     * Called after {@code snapshot} was published: its consumers become the ones the chains look up,
     * what older snapshots held alone is released, and the active health checks follow the new upstreams.
     */
    public void published(Snapshot snapshot) {
        chains.serve(snapshot.consumers());
        if (upstreamsChanged) { // O(targets): skipped when a change left every upstream as it was
            pools.retainOnly(snapshot.config().upstreams());
            health.published(snapshot.config().upstreams());
        }
    }

    @Override
    public void close() {
        health.close();
        pools.close();
    }
}
