package stargate.model.routing;

import java.util.Map;

/**
 * One place a route occupies in the index: one of its hosts with one of its paths. A route with
 * two hosts and three paths has six entries; each leaf of the index holds its entries in
 * {@link CompiledRoute#RANK} order.
 */
record Entry<T>(CompiledRoute<T> route, HostPattern host, PathPattern path) {

    /** The result for a request whose path {@code path[0, end)} reached this entry. */
    RouteMatch<T> toMatch(String path, int end) {
        return new RouteMatch<>(route.item, route.route, params(path, end),
                this.path.kind == PathPattern.Kind.PREFIX ? this.path.literal : null);
    }

    Map<String, String> params(String path, int end) {
        return this.path.kind == PathPattern.Kind.TEMPLATE ? this.path.params(path, end) : Map.of();
    }

    /** Which precedence rule of SPEC §4 puts this entry before {@code other}. */
    String ranksBefore(Entry<?> other) {
        if (host.tier() != other.host.tier()) {
            return host.tier().label + " beats " + other.host.tier().label;
        }
        if (!host.key().equals(other.host.key())) {
            return "longer wildcard host " + host + " beats " + other.host;
        }
        if (path.kind != other.path.kind) {
            return path.kind.label + " beats " + other.path.kind.label;
        }
        if (!path.shape().equals(other.path.shape())) {
            return path.kind == PathPattern.Kind.PREFIX
                    ? "longer prefix " + path + " beats " + other.path
                    : "template " + path + " beats " + other.path + " (leftmost literal segment first)";
        }
        return route.ranksBefore(other.route);
    }
}
