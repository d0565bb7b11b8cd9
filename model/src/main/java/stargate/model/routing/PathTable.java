package stargate.model.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths of one host key (one exact host, one wildcard suffix, or any host): an exact-path hash
 * map, a segment trie of templates and a segment trie of prefixes. {@link #walk} offers the leaves
 * whose paths match a request to a {@link LeafVisitor} in precedence order, and stops at the first
 * entry the visitor returns.
 *
 * <p>Order: the exact path; then template leaves depth-first, a literal child before the parameter
 * child at every segment (so among templates the one whose first differing segment is literal wins:
 * {@code /users/me/{x}} before {@code /users/{id}/{x}} before {@code /{any}/{id}/{x}}); then prefix
 * leaves longest first ({@code /users/admin/*}, {@code /users/*}, {@code /*}).
 *
 * <p>Cost: one hash of the path for the exact map; one hash of one segment per trie node visited.
 * The prefix walk visits at most one node per segment of the longest configured prefix. The
 * template walk visits each trie node at most once, and at most two children per node (the literal
 * and the parameter), so it is bounded by the template shapes configured, not by the number of
 * routes; with the usual shapes it visits about one node per segment. Recursion depth is bounded
 * by the deepest configured pattern, never by the request.
 */
final class PathTable<T> {
    /** Receives, in precedence order, the leaves whose paths match; returns the winner or null to go on. */
    interface LeafVisitor<T> {
        Entry<T> visit(Entry<T>[] leaf, String method, RequestHeaders headers);
    }

    private final RegionMap<Entry<T>[]> exact;
    private final Node<T> templates;
    private final Node<T> prefixes;

    private PathTable(RegionMap<Entry<T>[]> exact, Node<T> templates, Node<T> prefixes) {
        this.exact = exact;
        this.templates = templates;
        this.prefixes = prefixes;
    }

    /** @param path starts with {@code /}; only {@code path[0, end)} is matched (a query follows) */
    Entry<T> walk(String path, int end, String method, RequestHeaders headers, LeafVisitor<T> visitor) {
        Entry<T>[] exactLeaf = exact.get(path, 0, end);
        if (exactLeaf != null) {
            Entry<T> winner = visitor.visit(exactLeaf, method, headers);
            if (winner != null) {
                return winner;
            }
        }
        if (templates != null) {
            Entry<T> winner = templates.walkTemplate(path, 1, end, method, headers, visitor);
            if (winner != null) {
                return winner;
            }
        }
        return prefixes == null ? null : prefixes.walkPrefix(path, 1, end, method, headers, visitor);
    }

    /**
     * A copy with the leaf of {@code path} changed by {@code change} (given the leaf or null, it returns
     * the new leaf, or null for none); null when the table ends up empty. Path copying: only the exact
     * map, or the trie nodes from the root to that leaf, are copied; everything else is shared with this
     * table, which stays as it was (requests on the previous snapshot go on using it).
     */
    PathTable<T> with(PathPattern path, java.util.function.UnaryOperator<Entry<T>[]> change) {
        RegionMap<Entry<T>[]> exact = this.exact;
        Node<T> templates = this.templates;
        Node<T> prefixes = this.prefixes;
        switch (path.kind) {
            case EXACT -> exact = exact.with(path.literal, change.apply(exact.get(path.literal, 0, path.literal.length())));
            case TEMPLATE -> templates = Node.with(templates, path.segments, 0, change);
            case PREFIX -> prefixes = Node.with(prefixes, path.segments, 0, change);
        }
        if (exact.size() == 0 && templates == null && prefixes == null) {
            return null;
        }
        return new PathTable<>(exact, templates, prefixes);
    }

    /** An empty table, the start of {@link #with} for a host key that had none. */
    static <T> PathTable<T> empty() {
        return new PathTable<>(RegionMap.of(Map.of(), false), null, null);
    }

    /** A trie node: children by literal segment, one child for any parameter, entries ending here. */
    private record Node<T>(RegionMap<Node<T>> literals, Node<T> param, Entry<T>[] leaf) {

        /** {@code node} (null = none yet) with the leaf at {@code segments[depth..]} changed; null when it ends up empty. */
        static <T> Node<T> with(Node<T> node, List<String> segments, int depth,
                                java.util.function.UnaryOperator<Entry<T>[]> change) {
            RegionMap<Node<T>> literals = node == null ? RegionMap.of(Map.of(), false) : node.literals;
            Node<T> param = node == null ? null : node.param;
            Entry<T>[] leaf = node == null ? null : node.leaf;
            if (depth == segments.size()) {
                leaf = change.apply(leaf);
            } else {
                String segment = segments.get(depth);
                if (segment == null) {
                    param = with(param, segments, depth + 1, change);
                } else {
                    literals = literals.with(segment, with(literals.get(segment, 0, segment.length()), segments,
                            depth + 1, change));
                }
            }
            if (literals.size() == 0 && param == null && leaf == null) {
                return null;
            }
            return new Node<>(literals, param, leaf);
        }

        /** Depth-first over template nodes; {@code start} begins the segment this node's children match. */
        Entry<T> walkTemplate(String path, int start, int end, String method, RequestHeaders headers,
                              LeafVisitor<T> visitor) {
            int stop = PathPattern.segmentEnd(path, start, end);
            Node<T> literal = literals.get(path, start, stop);
            if (literal != null) {
                Entry<T> winner = literal.visitTemplate(path, stop, end, method, headers, visitor);
                if (winner != null) {
                    return winner;
                }
            }
            return param == null || stop == start ? null : param.visitTemplate(path, stop, end, method, headers, visitor);
        }

        /** The node matched the segment ending at {@code stop}: offer the leaf if the path ends, else descend. */
        private Entry<T> visitTemplate(String path, int stop, int end, String method, RequestHeaders headers,
                                       LeafVisitor<T> visitor) {
            if (stop == end) {
                return leaf == null ? null : visitor.visit(leaf, method, headers);
            }
            return walkTemplate(path, stop + 1, end, method, headers, visitor);
        }

        /** Descends as deep as the literal segments allow, then offers leaves on the way back: longest prefix first. */
        Entry<T> walkPrefix(String path, int start, int end, String method, RequestHeaders headers,
                            LeafVisitor<T> visitor) {
            if (start <= end) {
                int stop = PathPattern.segmentEnd(path, start, end);
                Node<T> child = literals.get(path, start, stop);
                if (child != null) {
                    Entry<T> winner = child.walkPrefix(path, stop + 1, end, method, headers, visitor);
                    if (winner != null) {
                        return winner;
                    }
                }
            }
            return leaf == null ? null : visitor.visit(leaf, method, headers);
        }
    }

    /** Collects one host key's entries, then freezes them into a table with sorted leaves. */
    static final class Builder<T> {
        private final Map<String, List<Entry<T>>> exact = new LinkedHashMap<>();
        private NodeBuilder<T> templates;
        private NodeBuilder<T> prefixes;

        /** @param entry one of {@link CompiledRoute#entries()}, which never repeats a leaf for one route */
        void add(Entry<T> entry) {
            PathPattern path = entry.path();
            (switch (path.kind) {
                case EXACT -> exact.computeIfAbsent(path.literal, k -> new ArrayList<>());
                case TEMPLATE -> (templates = templates == null ? new NodeBuilder<>() : templates).leafAt(path.segments);
                case PREFIX -> (prefixes = prefixes == null ? new NodeBuilder<>() : prefixes).leafAt(path.segments);
            }).add(entry);
        }

        PathTable<T> build() {
            Map<String, Entry<T>[]> exactLeaves = new HashMap<>();
            exact.forEach((path, entries) -> exactLeaves.put(path, sorted(entries)));
            return new PathTable<>(RegionMap.of(exactLeaves, false),
                    templates == null ? null : templates.build(),
                    prefixes == null ? null : prefixes.build());
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        static <T> Entry<T>[] sorted(List<Entry<T>> entries) {
            Entry<T>[] sorted = entries.toArray(new Entry[0]);
            Arrays.sort(sorted, (a, b) -> CompiledRoute.RANK.compare(a.route(), b.route()));
            return sorted;
        }
    }

    private static final class NodeBuilder<T> {
        private final Map<String, NodeBuilder<T>> literals = new HashMap<>();
        private NodeBuilder<T> param;
        private List<Entry<T>> leaf;

        /** The leaf list at the end of {@code segments} (null = parameter), creating nodes on the way. */
        List<Entry<T>> leafAt(List<String> segments) {
            NodeBuilder<T> node = this;
            for (String segment : segments) {
                node = segment == null
                        ? (node.param = node.param == null ? new NodeBuilder<>() : node.param)
                        : node.literals.computeIfAbsent(segment, k -> new NodeBuilder<>());
            }
            return node.leaf == null ? (node.leaf = new ArrayList<>()) : node.leaf;
        }

        Node<T> build() {
            Map<String, Node<T>> children = new HashMap<>();
            literals.forEach((segment, child) -> children.put(segment, child.build()));
            return new Node<>(RegionMap.of(children, false), param == null ? null : param.build(),
                    leaf == null ? null : Builder.sorted(leaf));
        }
    }
}
