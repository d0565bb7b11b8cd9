package stargate.model.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import stargate.model.Route;
import stargate.model.SeededHash;
import stargate.model.validate.ConfigError;

/**
 * The routes of a valid config grouped by leaf (one host key with one path shape), so that a change
 * is checked for shadowing ({@link Shadowing}) on the leaves it touches only: a route can only be
 * shadowed by routes that share a leaf with it, so the routes to look at are those in the leaves of
 * the changed routes, before and after the change. Cost of {@link #find}: the routes of those leaves
 * and the other leaves of each, not the config. Mutable, not thread-safe: one owner (the
 * incremental validator) adds and removes routes as changes are committed.
 */
public final class ShadowIndex {
    /**
     * A leaf key's {@link SeededHash} ({@code host + " " + path shape}, hashed: a Long where the key
     * itself is ~80 B, SPEC §12's heap per route) to the one {@link Route} there, or to a map of the
     * ids of the routes there to their routes when there are two or more: most leaves hold one route,
     * and a map per leaf would cost ~100 B per route at 100,000 routes. Two keys with one hash share
     * an entry, so the members of a leaf are the entry's routes that have its key ({@link #members}).
     */
    private final Map<Long, Object> leaves;
    private final SeededHash hash = new SeededHash();

    private ShadowIndex(int routes) {
        leaves = HashMap.newHashMap(routes);
    }

    /** @param routes routes that are valid on their own (a malformed host or path is skipped) */
    public static ShadowIndex of(Collection<Route> routes) {
        ShadowIndex index = new ShadowIndex(routes.size());
        routes.forEach(index::add);
        return index;
    }

    public void add(Route route) {
        for (String key : leafKeys(route)) {
            leaves.merge(hash.of(key), route, (there, added) -> {
                if (there instanceof Route one) {
                    if (one.id().equals(route.id())) {
                        return route;
                    }
                    Map<String, Route> many = new HashMap<>(4);
                    many.put(one.id(), one);
                    there = many;
                }
                @SuppressWarnings("unchecked")
                Map<String, Route> many = (Map<String, Route>) there;
                many.put(route.id(), route);
                return many;
            });
        }
    }

    public void remove(Route route) {
        for (String key : leafKeys(route)) {
            leaves.computeIfPresent(hash.of(key), (k, there) -> {
                if (there instanceof Route one) {
                    return one.id().equals(route.id()) ? null : one;
                }
                @SuppressWarnings("unchecked")
                Map<String, Route> many = (Map<String, Route>) there;
                many.remove(route.id());
                return many.size() == 1 ? many.values().iterator().next() : many;
            });
        }
    }

    /** The routes in one leaf; empty when none. */
    private List<Route> members(String key) {
        List<Route> members = new ArrayList<>(2);
        for (Route route : entry(leaves.get(hash.of(key)))) {
            if (leafKeys(route).contains(key)) {
                members.add(route);
            }
        }
        return members;
    }

    /** The routes of one entry of {@link #leaves}: one leaf's, or those of leaves whose keys share a hash. */
    @SuppressWarnings("unchecked")
    private static Collection<Route> entry(Object there) {
        return there == null ? List.of() : there instanceof Route one ? List.of(one) : ((Map<String, Route>) there).values();
    }

    /**
     * The shadowing errors of a config that is this one with a change, as {@link Shadowing#find} would
     * report them on the whole config: only routes in leaves the change touches can have one.
     *
     * @param before   the old versions of the routes the change removes or replaces
     * @param after    the new versions of the routes it adds or replaces
     * @param position a route id's index in the changed config's route list (the error paths)
     */
    public List<ConfigError> find(Collection<Route> before, Collection<Route> after, ToIntFunction<String> position) {
        Set<String> changedIds = new HashSet<>();
        before.forEach(r -> changedIds.add(r.id()));
        after.forEach(r -> changedIds.add(r.id()));
        Map<String, List<Route>> addedByLeaf = new HashMap<>();
        for (Route route : after) {
            for (String key : leafKeys(route)) {
                addedByLeaf.computeIfAbsent(key, k -> new ArrayList<>()).add(route);
            }
        }
        Map<String, List<Route>> members = new HashMap<>();
        java.util.function.Function<String, List<Route>> leaf = key -> members.computeIfAbsent(key, k -> {
            List<Route> routes = new ArrayList<>();
            for (Route route : members(k)) {
                if (!changedIds.contains(route.id())) {
                    routes.add(route);
                }
            }
            routes.addAll(addedByLeaf.getOrDefault(k, List.of()));
            return routes;
        });
        Set<String> touched = new LinkedHashSet<>();
        before.forEach(r -> touched.addAll(leafKeys(r)));
        after.forEach(r -> touched.addAll(leafKeys(r)));
        Map<String, Route> candidates = new LinkedHashMap<>();
        for (String key : touched) {
            leaf.apply(key).forEach(r -> candidates.put(r.id(), r));
        }
        Map<String, CompiledRoute<Integer>> compiled = new HashMap<>();
        java.util.function.Function<Route, CompiledRoute<Integer>> compile = r -> compiled.computeIfAbsent(r.id(), id -> {
            int at = position.applyAsInt(id);
            return CompiledRoute.compile(at, r, at);
        });
        Map<String, Entry<Integer>[]> ranked = new HashMap<>();
        java.util.function.Function<String, Entry<Integer>[]> rankedLeaf = key -> ranked.computeIfAbsent(key, k -> {
            List<Entry<Integer>> entries = new ArrayList<>();
            for (Route member : leaf.apply(k)) {
                for (Entry<Integer> e : compile.apply(member).entries()) {
                    if (key(e).equals(k)) {
                        entries.add(e);
                    }
                }
            }
            return PathTable.Builder.sorted(entries);
        });
        List<CompiledRoute<Integer>> shadowed = new ArrayList<>();
        Map<CompiledRoute<Integer>, Set<CompiledRoute<Integer>>> winners = new HashMap<>();
        for (Route candidate : candidates.values()) {
            CompiledRoute<Integer> route = compile.apply(candidate);
            Set<CompiledRoute<Integer>> won = covered(route, rankedLeaf);
            if (won != null) {
                shadowed.add(route);
                winners.put(route, won);
            }
        }
        return errors(shadowed, winners);
    }

    /**
     * The shadowing errors of the whole indexed config, as {@link Shadowing#find} reports them: only a
     * leaf holding two routes or more can hide one, so a config of 100,000 routes with distinct paths
     * ranks almost nothing, and each route is compiled once here instead of once more per check.
     *
     * @param position a route id's index in the config's route list (the error paths)
     */
    public List<ConfigError> findAll(ToIntFunction<String> position) {
        Map<String, CompiledRoute<Integer>> compiled = new HashMap<>();
        Map<String, List<Entry<Integer>>> byLeaf = new HashMap<>();
        for (Map.Entry<Long, Object> shared : leaves.entrySet()) {
            if (shared.getValue() instanceof Route) { // alone in its leaf: nothing to rank
                continue;
            }
            for (Route member : entry(shared.getValue())) {
                CompiledRoute<Integer> route = compiled.computeIfAbsent(member.id(), id -> {
                    int at = position.applyAsInt(id);
                    return CompiledRoute.compile(at, member, at);
                });
                for (Entry<Integer> e : route.entries()) {
                    String key = key(e);
                    if (hash.of(key) == shared.getKey()) {
                        byLeaf.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        Map<String, Entry<Integer>[]> ranked = new HashMap<>();
        byLeaf.forEach((key, entries) -> ranked.put(key, PathTable.Builder.sorted(entries)));
        List<CompiledRoute<Integer>> shadowed = new ArrayList<>();
        Map<CompiledRoute<Integer>, Set<CompiledRoute<Integer>>> winners = new HashMap<>();
        for (CompiledRoute<Integer> route : compiled.values()) {
            Set<CompiledRoute<Integer>> won = covered(route, ranked::get);
            if (won != null) {
                shadowed.add(route);
                winners.put(route, won);
            }
        }
        return errors(shadowed, winners);
    }

    /**
     * The routes that together take all of {@code route}'s requests, leaf by leaf in its entry order;
     * null when one of its entries is reachable (a leaf without ranking holds it alone).
     */
    private static Set<CompiledRoute<Integer>> covered(CompiledRoute<Integer> route,
                                                       java.util.function.Function<String, Entry<Integer>[]> rankedLeaf) {
        Set<CompiledRoute<Integer>> won = new LinkedHashSet<>();
        for (Entry<Integer> entry : route.entries()) {
            Entry<Integer>[] ranked = rankedLeaf.apply(key(entry));
            if (ranked == null) {
                return null;
            }
            int i = 0;
            while (ranked[i].route() != route) {
                i++;
            }
            Set<CompiledRoute<Integer>> cover = Shadowing.coverOf(ranked, i);
            if (cover.isEmpty()) {
                return null;
            }
            won.addAll(cover);
        }
        return won;
    }

    private static List<ConfigError> errors(List<CompiledRoute<Integer>> shadowed,
                                            Map<CompiledRoute<Integer>, Set<CompiledRoute<Integer>>> winners) {
        shadowed.sort(java.util.Comparator.comparingInt(r -> r.order));
        List<ConfigError> errors = new ArrayList<>();
        for (CompiledRoute<Integer> route : shadowed) {
            errors.add(new ConfigError("routes[" + route.item + "]", Shadowing.message(route, winners.get(route))));
        }
        return errors;
    }

    private static String key(Entry<?> entry) {
        return entry.host() + " " + entry.path().shape();
    }

    /**
     * The keys of the leaves {@code route} occupies, as {@link #key} makes them from its compiled
     * entries (each host with each path, once, host by host), without compiling it: 100,000 routes are
     * keyed at a start. Empty for a route that does not compile (reported by validation; never in a
     * valid config).
     */
    private static Set<String> leafKeys(Route route) {
        List<String> hosts;
        List<String> shapes;
        try {
            if (route.id() == null || route.headers().values().stream().anyMatch(java.util.Objects::isNull)) {
                return Set.of(); // what CompiledRoute.compile refuses besides hosts and paths
            }
            hosts = route.hosts().isEmpty() ? List.of(HostPattern.ANY.toString())
                    : route.hosts().stream().map(h -> HostPattern.parse(h).toString()).toList();
            shapes = route.paths().stream().map(PathPattern::shapeOf).toList();
        } catch (IllegalArgumentException malformed) {
            return Set.of();
        }
        if (hosts.size() == 1 && shapes.size() == 1) { // one host with one path: most routes
            return Set.of(hosts.get(0) + " " + shapes.get(0));
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String host : hosts) {
            for (String shape : shapes) {
                keys.add(host + " " + shape);
            }
        }
        return keys;
    }
}
