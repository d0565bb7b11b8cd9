package stargate.model.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import stargate.model.Route;
import stargate.model.validate.ConfigError;

/**
 * Finds routes that can never match because routes ranked before them always take their requests.
 *
 * <p>Exact, not clever: a false positive would reject a valid config, so only one proof is used.
 * A route's entry (one host with one path) is covered when, in the same leaf (same host key, same
 * path shape), routes ranked before it take every request it takes: they have a method list too
 * and together list all its methods (or neither has a method list), and they require exactly the
 * same headers. A route is shadowed when every one of its entries is covered.
 *
 * <p>Why only the same leaf: across leaves an earlier one never takes a superset of a later one's
 * requests. An exact host is narrower than a wildcard, a longer wildcard suffix narrower than a
 * shorter, an exact path narrower than a template or a prefix, a template (fixed segment count)
 * never covers a prefix, a longer prefix is narrower, and of two templates the earlier has a
 * literal where the later has a parameter. Within a leaf, a route with fewer headers or without a
 * method list ranks after the routes it would cover, so "same headers, both with or both without a
 * method list" loses no case that a single route could shadow.
 *
 * <p>Cost: O(e log e) to group and sort e entries, plus, per leaf of size k, O(k²) comparisons
 * in the worst case (k is the number of routes sharing one host and path, small in practice).
 */
public final class Shadowing {
    private Shadowing() {
    }

    /**
     * @param routes the config's routes, in file order (the error paths use these indexes); routes
     *               with a malformed host or path are skipped (validation reports them)
     * @return one error per shadowed route, at {@code routes[i]}, naming the route that wins instead
     */
    public static List<ConfigError> find(List<Route> routes) {
        Map<String, List<Entry<Integer>>> leaves = new LinkedHashMap<>();
        List<CompiledRoute<Integer>> compiled = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            CompiledRoute<Integer> route;
            try {
                route = CompiledRoute.compile(i, routes.get(i), i);
            } catch (IllegalArgumentException malformed) {
                continue;
            }
            compiled.add(route);
            for (Entry<Integer> entry : route.entries()) {
                leaves.computeIfAbsent(entry.host() + " " + entry.path().shape(), k -> new ArrayList<>()).add(entry);
            }
        }
        Map<CompiledRoute<Integer>, Set<CompiledRoute<Integer>>> winners = new HashMap<>();
        Set<CompiledRoute<Integer>> reachable = new HashSet<>();
        for (List<Entry<Integer>> leaf : leaves.values()) {
            Entry<Integer>[] ranked = PathTable.Builder.sorted(leaf);
            for (int i = 0; i < ranked.length; i++) {
                CompiledRoute<Integer> route = ranked[i].route();
                Set<CompiledRoute<Integer>> cover = coverOf(ranked, i);
                if (cover.isEmpty()) {
                    reachable.add(route);
                } else {
                    winners.computeIfAbsent(route, k -> new LinkedHashSet<>()).addAll(cover);
                }
            }
        }
        List<ConfigError> errors = new ArrayList<>();
        for (CompiledRoute<Integer> route : compiled) {
            if (!reachable.contains(route) && winners.containsKey(route)) {
                errors.add(new ConfigError("routes[" + route.item + "]", message(route, winners.get(route))));
            }
        }
        return errors;
    }

    /**
     * The leaves (host key and path shape) a route occupies. {@link #find} compares routes only
     * within a leaf, so a route can shadow, or be shadowed by, only routes sharing one of its
     * leaves: checking one changed route needs only those (the controller indexes routes by leaf).
     *
     * @return empty for a route with a malformed host or path (validation reports it)
     */
    public static Set<String> leaves(Route route) {
        try {
            Set<String> out = new HashSet<>();
            for (Entry<Integer> entry : CompiledRoute.compile(0, route, 0).entries()) {
                out.add(entry.host() + " " + entry.path().shape());
            }
            return out;
        } catch (IllegalArgumentException malformed) {
            return Set.of();
        }
    }

    /** The routes ranked before {@code ranked[i]} in its leaf that together take all its requests; empty if none do. */
    static Set<CompiledRoute<Integer>> coverOf(Entry<Integer>[] ranked, int i) {
        CompiledRoute<Integer> route = ranked[i].route();
        Set<String> methodsLeft = new HashSet<>(route.route.methods());
        Set<CompiledRoute<Integer>> cover = new LinkedHashSet<>();
        for (int k = 0; k < i; k++) {
            CompiledRoute<Integer> earlier = ranked[k].route();
            if (earlier.hasMethods() != route.hasMethods() || !earlier.headers.equals(route.headers)) {
                continue;
            }
            if (!route.hasMethods() || earlier.route.methods().containsAll(route.route.methods())) {
                return Set.of(earlier);
            }
            if (methodsLeft.removeAll(earlier.route.methods())) {
                cover.add(earlier);
                if (methodsLeft.isEmpty()) {
                    return cover;
                }
            }
        }
        return Set.of();
    }

    static String message(CompiledRoute<Integer> route, Set<CompiledRoute<Integer>> winners) {
        String prefix = "route \"" + route.id + "\" can never match: ";
        if (winners.size() == 1) {
            CompiledRoute<Integer> winner = winners.iterator().next();
            return prefix + "route \"" + winner.id + "\" always wins first (same host and path, same or broader methods,"
                    + " same headers, " + winner.ranksBefore(route) + ")";
        }
        return prefix + "routes " + winners.stream().map(w -> "\"" + w.id + "\"").collect(Collectors.joining(", "))
                + " always win first (same host and path, same headers, together the same or broader methods,"
                + " each ranked first)";
    }
}
