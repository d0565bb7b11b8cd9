package stargate.node.plugin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Route;

/**
 * Builds the plugin chains of a config snapshot, off the request path: one {@link PluginChain} per
 * route with plugins (global plugins, overridden by the route's own of the same name), the
 * consumers' stages, and the {@link Credentials}.
 *
 * <p><b>Instances survive unchanged configs.</b> An instance is keyed by where it is configured
 * (global, a route, a consumer), its plugin name and its config JSON. A compile reuses the previous
 * compile's instance for an equal key, so editing one route does not reset another route's rate-limit
 * buckets or JWKS cache; a changed config, or a plugin moved elsewhere, gets a fresh instance. Only
 * the last compile's instances are kept. Cost: one map lookup per configured plugin per compile.
 * Global plugins are one instance for all routes (a {@code rate-limit} keyed by route still counts
 * each route apart); consumer plugins one instance per consumer, shared by all routes.
 *
 * <p><b>Consumers are compiled apart from routes</b> ({@link Consumers}): the chains of one whole
 * compile read them through one holder, so a change of consumers alone is {@link #consumers} (O(consumers))
 * and {@link #serve} when its snapshot is published, not a compile of every route's chain.
 *
 * <p>Not thread-safe: one config applier calls it.
 */
public final class ChainCompiler {
    private static final Comparator<Stage> ORDER = Comparator.comparing(Stage::phase).thenComparing(Stage::name);

    private final PluginRegistry registry;
    private final PluginContext context;
    /** Route and global instances of the last compile. */
    private Map<InstanceKey, Stage> instances = new HashMap<>();
    /** Consumer instances of the last compile of consumers. */
    private Map<InstanceKey, Stage> consumerInstances = new HashMap<>();
    /** What the last whole compile built that routes share: for {@link #route}. */
    private Consumers.Served served = new Consumers.Served(Consumers.NONE);
    private Map<String, JsonNode> globalPlugins = Map.of();
    private PluginChain globalOnly;

    private record InstanceKey(String scope, String name, JsonNode config) {
    }

    public ChainCompiler(PluginRegistry registry, PluginContext context) {
        this.registry = registry;
        this.context = context;
    }

    /** The chains of {@code config}, which must have passed validation with {@link PluginRegistry#catalog()}. */
    public Chains compile(GatewayConfig config) {
        Map<InstanceKey, Stage> builtConsumers = new HashMap<>();
        Consumers consumers = consumers(config.consumers(), builtConsumers);
        // a holder of its own: the chains of the snapshot being replaced keep theirs, and their consumers
        Consumers.Served served = new Consumers.Served(consumers);
        Map<InstanceKey, Stage> built = new HashMap<>();
        Map<String, PluginChain> chains = new HashMap<>();
        // routes without plugins of their own share one chain of the global plugins: at 100,000 routes
        // that is one object instead of 100,000 (SPEC §12, heap per route)
        PluginChain globalOnly = config.globalPlugins().isEmpty() ? null
                : new PluginChain(stages("global", Map.of(), config.globalPlugins(), built, instances), served);
        for (Route route : config.routes()) {
            if (route.plugins().isEmpty()) {
                if (globalOnly != null) {
                    chains.put(route.id(), globalOnly);
                }
                continue;
            }
            Stage[] stages = stages("route:" + route.id(), route.plugins(), config.globalPlugins(), built, instances);
            chains.put(route.id(), new PluginChain(stages, served));
        }
        instances = built;
        consumerInstances = builtConsumers;
        this.served = served;
        this.globalPlugins = config.globalPlugins();
        this.globalOnly = globalOnly;
        return new Chains(chains, consumers);
    }

    /**
     * The consumers of a config whose routes and global plugins are those of the last {@link #compile}
     * (a change of consumers only): their credentials and stages, instances of unchanged consumer
     * plugins kept. The chains go on serving the previous ones until {@link #serve}.
     */
    public Consumers consumers(List<Consumer> consumers) {
        Map<InstanceKey, Stage> built = new HashMap<>();
        Consumers compiled = consumers(consumers, built);
        consumerInstances = built;
        return compiled;
    }

    private Consumers consumers(List<Consumer> consumers, Map<InstanceKey, Stage> built) {
        Map<String, Stage[]> stages = new HashMap<>();
        for (Consumer consumer : consumers) {
            if (!consumer.plugins().isEmpty()) {
                stages.put(consumer.id(), stages("consumer:" + consumer.id(), consumer.plugins(), Map.of(), built,
                        consumerInstances));
            }
        }
        return new Consumers(Credentials.of(consumers), stages);
    }

    /**
     * Makes {@code consumers} the ones every chain of the last whole compile looks up, from the next
     * request on: called when the snapshot they belong to is published.
     */
    public void serve(Consumers consumers) {
        served.set(consumers);
    }

    /**
     * The chain of one route added or changed since the last {@link #compile}, whose consumers and
     * global plugins it keeps (an incremental apply of routes only); null when no plugin applies.
     * Instances of the route's previous version that the new one does not reuse are dropped, so a
     * changed rate limit starts afresh and a removed route's state goes.
     *
     * @param before the route's previous version; null when it is new
     * @param after  the route now; null when it was removed
     */
    public PluginChain route(Route before, Route after) {
        Map<InstanceKey, Stage> kept = new HashMap<>();
        PluginChain chain = null;
        if (after != null && !after.plugins().isEmpty()) {
            chain = new PluginChain(stages("route:" + after.id(), after.plugins(), globalPlugins, kept, instances), served);
        } else if (after != null) {
            chain = globalOnly;
        }
        if (before != null) {
            before.plugins().forEach((name, cfg) -> instances.remove(new InstanceKey("route:" + before.id(), name, cfg)));
        }
        instances.putAll(kept);
        return chain;
    }

    /**
     * {@code own} over {@code global} (same name: own wins), as stages in run order; an instance in
     * {@code previous} with the same key is reused.
     */
    private Stage[] stages(String scope, Map<String, JsonNode> own, Map<String, JsonNode> global,
                           Map<InstanceKey, Stage> built, Map<InstanceKey, Stage> previous) {
        Map<String, InstanceKey> keys = new LinkedHashMap<>();
        global.forEach((name, cfg) -> keys.put(name, new InstanceKey("global", name, cfg)));
        own.forEach((name, cfg) -> keys.put(name, new InstanceKey(scope, name, cfg)));
        List<Stage> stages = new ArrayList<>(keys.size());
        for (InstanceKey key : keys.values()) {
            PluginFactory factory = registry.factory(key.name());
            if (factory == null) {
                throw new IllegalArgumentException("no plugin \"" + key.name() + "\" on this node (validate with "
                        + "PluginRegistry.catalog(PluginContext))");
            }
            stages.add(built.computeIfAbsent(key, k -> {
                Stage reused = previous.get(k);
                return reused != null ? reused : Stage.of(k.name(), factory.phase(),
                        factory.create(k.config(), context.at(k.scope())));
            }));
        }
        stages.sort(ORDER);
        return stages.toArray(Stage[]::new);
    }

    /** The chains of one snapshot, by route id. Immutable. */
    public static final class Chains {
        private final Map<String, PluginChain> byRoute;
        private final Consumers consumers;

        Chains(Map<String, PluginChain> byRoute, Consumers consumers) {
            this.byRoute = byRoute;
            this.consumers = consumers;
        }

        /** The consumers the chains serve. */
        public Consumers consumers() {
            return consumers;
        }

        /** The route's chain, or null when no plugin applies to it. */
        public PluginChain forRoute(String routeId) {
            return byRoute.get(routeId);
        }
    }
}
