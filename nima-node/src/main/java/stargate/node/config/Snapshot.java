package stargate.node.config;

import java.time.Instant;
import java.util.Map;
import stargate.model.GatewayConfig;
import stargate.model.routing.RouteIndex;
import stargate.node.plugin.Consumers;

/**
 * One immutable, compiled config: everything a request needs, built off the request path and
 * published with one reference swap ({@link CurrentSnapshot}). A request reads the current
 * snapshot once and uses it to the end, so it never sees half of a change.
 *
 * @param revision  the config revision (etcd revision, or a counter of file reloads)
 * @param source    where it came from, e.g. {@code file:/etc/stargate.yaml}
 * @param appliedAt when it was published
 * @param config    the validated model it was compiled from
 * @param routes    the route index; items carry the compiled route
 * @param upstreams compiled upstreams by id
 * @param consumers the consumers auth plugins look up and their plugin stages; the routes' chains
 *                  serve these once this snapshot is published ({@link SnapshotCompiler#published})
 * @param generation the rollout generation it serves and its request counters (docs/rollout.md)
 */
public record Snapshot(long revision,
                       String source,
                       Instant appliedAt,
                       GatewayConfig config,
                       RouteIndex<CompiledRoute> routes,
                       Map<String, CompiledUpstream> upstreams,
                       Consumers consumers,
                       Generation generation) {
    /** A snapshot outside any rollout. */
    public Snapshot(long revision, String source, Instant appliedAt, GatewayConfig config,
                    RouteIndex<CompiledRoute> routes, Map<String, CompiledUpstream> upstreams, Consumers consumers) {
        this(revision, source, appliedAt, config, routes, upstreams, consumers, Generation.base());
    }

    /** The same compiled config, counted on {@code next}. */
    public Snapshot withGeneration(Generation next) {
        return new Snapshot(revision, source, appliedAt, config, routes, upstreams, consumers, next);
    }
}
