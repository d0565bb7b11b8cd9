package stargate.model.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import stargate.model.Route;

/**
 * The route matcher (SPEC §4): finds the route that serves a request, explains that choice, and
 * does so in time independent of the number of routes. Immutable and thread-safe; built once per
 * config, off the request path.
 *
 * <h2>Precedence</h2>
 * Host first: exact host, then wildcard hosts with the longest suffix first, then routes without
 * hosts. Within a host: exact path, then templates, then prefixes longest first (see
 * {@link PathTable} for the order among templates: at the first segment where two templates
 * differ, a literal beats a parameter). Within one host key and one path shape (a "leaf"): routes
 * with a method list first, then more header matches, then higher priority, then id. The first
 * route in that order whose methods and headers accept the request wins; when none in a leaf
 * does, matching falls through to the next leaf, then to the next host tier. So an exact-path
 * route for GET never blocks a prefix route for a POST, and an exact-host route never blocks an
 * any-host route for a path it does not have.
 *
 * <h2>Structure and cost</h2>
 * <pre>
 *   exact hosts:    RegionMap  host            -> PathTable
 *   wildcard hosts: RegionMap  suffix          -> PathTable   (probed for each label suffix, longest first)
 *   any host:       PathTable
 *   PathTable:      RegionMap  exact path      -> leaf
 *                   segment trie of templates  -> leaf        (literal child before parameter child)
 *                   segment trie of prefixes   -> leaf        (deepest first, on the way back up)
 *   leaf:           Entry[] sorted by method list, header count, priority, id
 * </pre>
 * A match costs one hash of the host, one per wildcard suffix no longer than the longest configured
 * one, and per table one hash of the path plus one hash per segment on the trie walks: O(host
 * length + path length × trie depth), independent of the route count. Leaves are scanned in order
 * and usually stop at their first entry, so only routes that share a host key and a path shape
 * (which differ only by methods, headers or priority) are ever compared one by one. Lookups take
 * regions of the request's strings ({@link RegionMap}), so a match allocates only its result, and
 * the parameter map for templates. Build is O(n log n) in the number of (host, path) entries.
 *
 * <h2>Request normalization</h2>
 * The host compares case-insensitively without its {@code :port} or a trailing dot. {@link #match}
 * takes a path already normalized by {@link PathNormalizer} (the node does it once per request and
 * forwards that same string upstream) and matches it byte for byte: a query ({@code ?...}) is
 * ignored, an empty path is {@code /}, and nothing is decoded here, so the route is chosen on exactly
 * the bytes the upstream is sent. {@link #explain} normalizes itself, as the request would be, so the
 * tools answer what the node does. A path that does not start with {@code /} (e.g. {@code *} of
 * {@code OPTIONS *}) matches nothing.
 *
 * @param <T> what the caller gets back per route: the route itself, or the node's compiled route
 */
public final class RouteIndex<T> {
    @SuppressWarnings("rawtypes")
    private static final PathTable.LeafVisitor FIRST_ACCEPTED = (leaf, method, headers) -> {
        for (Entry<?> entry : leaf) {
            if (entry.route().accepts(method, headers)) {
                return entry;
            }
        }
        return null;
    };

    private final RegionMap<PathTable<T>> exactHosts;
    private final RegionMap<PathTable<T>> wildcardHosts;
    /** Suffixes longer than this cannot hit {@link #wildcardHosts}; -1 = no wildcard hosts. */
    private final int longestWildcard;
    private final PathTable<T> anyHost;
    /** Every route by its input order (for {@link #explain}'s near misses); the next order is {@code routes.end}. */
    private final Slots<T> routes;

    private RouteIndex(RegionMap<PathTable<T>> exactHosts, RegionMap<PathTable<T>> wildcardHosts,
                       int longestWildcard, PathTable<T> anyHost, Slots<T> routes) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.longestWildcard = longestWildcard;
        this.anyHost = anyHost;
        this.routes = routes;
    }

    /**
     * @param items   one per route, in config order
     * @param routeOf the route of an item
     * @throws IllegalArgumentException when a host or path is malformed (validate the config first)
     */
    public static <T> RouteIndex<T> build(List<T> items, Function<T, Route> routeOf) {
        List<CompiledRoute<T>> routes = new ArrayList<>(items.size());
        Map<String, PathTable.Builder<T>> exact = new HashMap<>();
        Map<String, PathTable.Builder<T>> wildcard = new HashMap<>();
        PathTable.Builder<T> any = new PathTable.Builder<>();
        for (T item : items) {
            CompiledRoute<T> route = CompiledRoute.compile(item, routeOf.apply(item), routes.size());
            routes.add(route);
            for (Entry<T> entry : route.entries()) {
                HostPattern host = entry.host();
                PathTable.Builder<T> table = switch (host.tier()) {
                    case EXACT -> exact.computeIfAbsent(host.key(), k -> new PathTable.Builder<>());
                    case WILDCARD -> wildcard.computeIfAbsent(host.key(), k -> new PathTable.Builder<>());
                    case ANY -> any;
                };
                table.add(entry);
            }
        }
        return new RouteIndex<>(tables(exact), tables(wildcard),
                wildcard.keySet().stream().mapToInt(String::length).max().orElse(-1),
                any.build(), Slots.of(routes));
    }

    /**
     * A new index with some routes removed and some added, sharing every untouched part of this one,
     * which stays as it was (requests on the previous snapshot go on using it). It matches as
     * {@link #build} of the resulting routes does; {@code RouteIndexChangeTest} checks that on random
     * change sequences.
     *
     * <p>Cost: per route added or removed, one leaf re-sorted and the path from its host table to that
     * leaf copied; a copied {@link RegionMap} copies one of its segments (about 2 x 2,048 slots) and its
     * segment array, never the whole table. Plus the chunks of the route list that change ({@link Slots}).
     * So a change of one route at 100,000 routes costs tens of microseconds where a whole {@link #build}
     * costs hundreds of milliseconds (bench: {@code ConfigChangeBenchmark}).
     *
     * @param removed routes to take out, as they were added (their hosts and paths find their leaves;
     *                their ids find their entries); a changed route is removed and added again
     * @param added   items to add, in order; they come after every other route in {@link #explain}'s
     *                near misses
     * @throws IllegalArgumentException when a host or path is malformed (validate the config first)
     */
    public RouteIndex<T> withChanges(java.util.Collection<Route> removed, List<T> added, Function<T, Route> routeOf) {
        Tables<T> tables = new Tables<>(exactHosts, wildcardHosts, anyHost, longestWildcard);
        java.util.Set<Integer> removedOrders = new java.util.HashSet<>();
        for (Route route : removed) {
            for (Entry<Integer> place : CompiledRoute.compile(0, route, 0).entries()) {
                String id = route.id();
                tables.change(place.host(), place.path(), leaf -> without(leaf, id, removedOrders));
            }
        }
        List<CompiledRoute<T>> appended = new ArrayList<>(added.size());
        int order = routes.end;
        for (T item : added) {
            CompiledRoute<T> route = CompiledRoute.compile(item, routeOf.apply(item), order++);
            for (Entry<T> entry : route.entries()) {
                tables.change(entry.host(), entry.path(), leaf -> with(leaf, entry));
            }
            appended.add(route);
        }
        return new RouteIndex<>(tables.exact, tables.wildcard, tables.longestWildcard,
                tables.any == null ? PathTable.empty() : tables.any, routes.with(removedOrders, appended));
    }

    /**
     * The routes by input order, in chunks of {@value #CHUNK} slots (null where a route was removed), so
     * a change copies the chunk array and the chunks it touches, never the whole list. Removed slots are
     * not reused: 4-8 bytes per route added since the last whole build.
     */
    private static final class Slots<T> {
        private static final int CHUNK_BITS = 10;
        private static final int CHUNK = 1 << CHUNK_BITS;

        private final Object[][] chunks;
        /** Slots used: the order the next added route gets. */
        final int end;
        /** Routes present. */
        final int size;

        private Slots(Object[][] chunks, int end, int size) {
            this.chunks = chunks;
            this.end = end;
            this.size = size;
        }

        /** @param routes in order, route {@code i} with order {@code i} */
        static <T> Slots<T> of(List<CompiledRoute<T>> routes) {
            Object[][] chunks = new Object[(routes.size() + CHUNK - 1) >>> CHUNK_BITS][];
            for (int c = 0; c < chunks.length; c++) {
                chunks[c] = new Object[CHUNK];
            }
            for (int i = 0; i < routes.size(); i++) {
                chunks[i >>> CHUNK_BITS][i & (CHUNK - 1)] = routes.get(i);
            }
            return new Slots<>(chunks, routes.size(), routes.size());
        }

        /** @param added routes whose orders are {@code end, end + 1, ...} */
        Slots<T> with(java.util.Set<Integer> removed, List<CompiledRoute<T>> added) {
            int newEnd = end + added.size();
            Object[][] copy = java.util.Arrays.copyOf(chunks, (newEnd + CHUNK - 1) >>> CHUNK_BITS);
            boolean[] copied = new boolean[copy.length];
            int newSize = size;
            for (int order : removed) {
                slot(copy, copied, order)[order & (CHUNK - 1)] = null;
                newSize--;
            }
            for (CompiledRoute<T> route : added) {
                slot(copy, copied, route.order)[route.order & (CHUNK - 1)] = route;
                newSize++;
            }
            return new Slots<>(copy, newEnd, newSize);
        }

        /** The chunk of {@code order} in {@code chunks}, copied (or made) on first write. */
        private static Object[] slot(Object[][] chunks, boolean[] copied, int order) {
            int c = order >>> CHUNK_BITS;
            if (!copied[c]) {
                chunks[c] = chunks[c] == null ? new Object[CHUNK] : chunks[c].clone();
                copied[c] = true;
            }
            return chunks[c];
        }

        @SuppressWarnings("unchecked")
        void forEach(java.util.function.Consumer<CompiledRoute<T>> action) {
            for (int i = 0; i < end; i++) {
                Object route = chunks[i >>> CHUNK_BITS][i & (CHUNK - 1)];
                if (route != null) {
                    action.accept((CompiledRoute<T>) route);
                }
            }
        }
    }

    /** The host tables being changed by {@link #withChanges}. */
    private static final class Tables<T> {
        RegionMap<PathTable<T>> exact;
        RegionMap<PathTable<T>> wildcard;
        PathTable<T> any;
        int longestWildcard;

        Tables(RegionMap<PathTable<T>> exact, RegionMap<PathTable<T>> wildcard, PathTable<T> any, int longestWildcard) {
            this.exact = exact;
            this.wildcard = wildcard;
            this.any = any;
            this.longestWildcard = longestWildcard;
        }

        void change(HostPattern host, PathPattern path, java.util.function.UnaryOperator<Entry<T>[]> change) {
            switch (host.tier()) {
                case EXACT -> exact = exact.with(host.key(), changed(exact.get(host.key(), 0, host.key().length()), path, change));
                case WILDCARD -> {
                    wildcard = wildcard.with(host.key(),
                            changed(wildcard.get(host.key(), 0, host.key().length()), path, change));
                    longestWildcard = Math.max(longestWildcard, host.key().length()); // an upper bound stays correct
                }
                case ANY -> any = changed(any, path, change);
            }
        }

        private static <T> PathTable<T> changed(PathTable<T> table, PathPattern path,
                                                java.util.function.UnaryOperator<Entry<T>[]> change) {
            return (table == null ? PathTable.<T>empty() : table).with(path, change);
        }
    }

    /** The leaf without the entries of route {@code id} (their orders go to {@code removed}); null when nothing is left. */
    @SuppressWarnings("unchecked")
    private static <T> Entry<T>[] without(Entry<T>[] leaf, String id, java.util.Set<Integer> removed) {
        if (leaf == null) {
            return null;
        }
        List<Entry<T>> kept = new ArrayList<>(leaf.length);
        for (Entry<T> entry : leaf) {
            if (!entry.route().id.equals(id)) {
                kept.add(entry);
            } else {
                removed.add(entry.route().order);
            }
        }
        return kept.isEmpty() ? null : kept.size() == leaf.length ? leaf : kept.toArray(new Entry[0]);
    }

    /** The leaf with {@code entry} in its rank (a leaf holds few entries: a copy and a sort). */
    private static <T> Entry<T>[] with(Entry<T>[] leaf, Entry<T> entry) {
        List<Entry<T>> entries = new ArrayList<>(leaf == null ? 1 : leaf.length + 1);
        if (leaf != null) {
            entries.addAll(List.of(leaf));
        }
        entries.add(entry);
        return PathTable.Builder.sorted(entries);
    }

    /** An index whose items are the routes themselves. */
    public static RouteIndex<Route> of(List<Route> routes) {
        return build(routes, Function.identity());
    }

    private static <T> RegionMap<PathTable<T>> tables(Map<String, PathTable.Builder<T>> builders) {
        Map<String, PathTable<T>> tables = new HashMap<>();
        builders.forEach((key, builder) -> tables.put(key, builder.build()));
        return RegionMap.of(tables, true);
    }

    /**
     * The route that serves a request; the hot path.
     *
     * @param method  the request method, case-sensitive ({@code GET})
     * @param host    the Host header (or :authority), port allowed; null = none
     * @param path    the request target's path, normalized by {@link PathNormalizer}; query allowed
     * @param headers the request headers
     * @return null when no route takes the request (404 no_route)
     */
    @SuppressWarnings("unchecked")
    public RouteMatch<T> match(String method, String host, String path, RequestHeaders headers) {
        path = emptyAsRoot(path);
        int end = pathEnd(path);
        Entry<T> winner = walk(host, path, end, method, headers, FIRST_ACCEPTED);
        return winner == null ? null : winner.toMatch(path, end);
    }

    /**
     * Like {@link #match} on the request as the node would see it, and why the routes near the request
     * lost; not for the hot path.
     *
     * @param rawPath the request target's path as the client sends it (normalized here), query allowed
     */
    public Explanation explain(String method, String host, String rawPath, RequestHeaders headers) {
        String path;
        try {
            path = PathNormalizer.normalize(rawPath);
        } catch (MalformedPathException e) {
            return Explanation.refused(e.getMessage());
        }
        int end = pathEnd(path);
        Explainer<T> explainer = new Explainer<>();
        walk(host, path, end, method, headers, explainer);
        Entry<T> winner = explainer.winner;
        List<Explanation.Candidate> candidates = new ArrayList<>(explainer.candidates.values());
        candidates.addAll(nearMisses(host, path, end, explainer.candidates.keySet(), winner));
        return new Explanation(winner == null ? null : winner.route().id,
                winner == null ? Map.of() : winner.params(path, end), candidates, path.substring(0, end), null);
    }

    /** The number of routes indexed. */
    public int size() {
        return routes.size;
    }

    private Entry<T> walk(String host, String path, int end, String method, RequestHeaders headers,
                          PathTable.LeafVisitor<T> visitor) {
        if (end == 0 || path.charAt(0) != '/') {
            return null;
        }
        if (host != null) {
            int hostEnd = HostPattern.nameEnd(host);
            PathTable<T> table = exactHosts.get(host, 0, hostEnd);
            Entry<T> winner = table == null ? null : table.walk(path, end, method, headers, visitor);
            if (winner != null) {
                return winner;
            }
            // Label suffixes, longest first; a suffix needs at least one label before it.
            for (int dot = Math.max(1, hostEnd - longestWildcard - 1); dot < hostEnd; dot++) {
                if (host.charAt(dot) == '.') {
                    table = wildcardHosts.get(host, dot + 1, hostEnd);
                    winner = table == null ? null : table.walk(path, end, method, headers, visitor);
                    if (winner != null) {
                        return winner;
                    }
                }
            }
        }
        return anyHost.walk(path, end, method, headers, visitor);
    }

    private static String emptyAsRoot(String path) {
        return path == null || path.isEmpty() || path.charAt(0) == '?' ? "/" : path;
    }

    private static int pathEnd(String path) {
        int query = path.indexOf('?');
        return query < 0 ? path.length() : query;
    }

    /**
     * Routes whose host and path do not both match, but that are close enough to be worth naming:
     * the path matches but not the host, or the host matches and the route names hosts or shares
     * the request's first path segment. A linear scan: explain is a tool, not the hot path.
     */
    private List<Explanation.Candidate> nearMisses(String host, String path, int end,
                                                   Set<CompiledRoute<?>> reported, Entry<T> winner) {
        int hostEnd = host == null ? 0 : HostPattern.nameEnd(host);
        String requestHost = host == null ? null : host.substring(0, hostEnd);
        String firstSegment = end == 0 ? "" : path.substring(1, PathPattern.segmentEnd(path, 1, end));
        List<Explanation.Candidate> candidates = new ArrayList<>();
        routes.forEach(route -> {
            if (reported.contains(route) || (winner != null && winner.route() == route)) {
                return;
            }
            boolean hostMatches = route.hosts.stream()
                    .anyMatch(h -> h.tier() == HostPattern.Tier.ANY || (host != null && h.matches(host, hostEnd)));
            boolean pathMatches = route.paths.stream().anyMatch(p -> p.matches(path, end));
            if (pathMatches && !hostMatches) {
                candidates.add(new Explanation.Candidate(route.id, requestHost == null
                        ? "no Host header; route needs one of " + route.route.hosts()
                        : "host " + requestHost + " does not match " + route.route.hosts()));
            } else if (hostMatches && !pathMatches && (!route.route.hosts().isEmpty() || route.paths.stream()
                    .anyMatch(p -> firstSegment.equals(p.firstSegment())))) {
                candidates.add(new Explanation.Candidate(route.id,
                        "path " + path.substring(0, end) + " does not match " + route.route.paths()));
            }
        });
        return candidates;
    }

    /**
     * Walks every leaf that matches, records the first accepting entry as the winner and, for each
     * other route met, the first reason it lost; returns null throughout so the walk never stops.
     */
    private static final class Explainer<T> implements PathTable.LeafVisitor<T> {
        /** In the order met; CompiledRoute has identity equality. */
        private final Map<CompiledRoute<?>, Explanation.Candidate> candidates = new LinkedHashMap<>();
        private Entry<T> winner;

        @Override
        public Entry<T> visit(Entry<T>[] leaf, String method, RequestHeaders headers) {
            for (Entry<T> entry : leaf) {
                CompiledRoute<T> route = entry.route();
                if (candidates.containsKey(route) || (winner != null && winner.route() == route)) {
                    continue;
                }
                String rejection = route.rejection(method, headers);
                if (rejection == null && winner == null) {
                    winner = entry;
                    continue;
                }
                candidates.put(route, new Explanation.Candidate(route.id, rejection != null ? rejection
                        : "lost to more specific route " + winner.route().id + " (" + winner.ranksBefore(entry) + ")"));
            }
            return null;
        }
    }
}
