package stargate.node.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import stargate.model.Route;
import stargate.model.routing.RouteMatch;

/**
 * Builds the path sent upstream from the request's normalized path (SPEC §13), the matched route and
 * its params.
 *
 * <ul>
 *   <li>{@code strip_prefix}: a prefix route drops its matched prefix ({@code /api/*} turns
 *       {@code /api/users} into {@code /users}; nothing left becomes {@code /}).</li>
 *   <li>{@code rewrite.path}: replaces what the route matched, with {@code {name}} template
 *       variables filled from the match. For a prefix route the rest of the path is kept
 *       ({@code /api/*} rewritten to {@code /v1} sends {@code /api/users} as {@code /v1/users});
 *       for an exact or template route the whole path is replaced.</li>
 *   <li>The query string is forwarded unchanged.</li>
 * </ul>
 * Compiled once per route: the rewrite template is split into literal and variable parts so
 * the request path only concatenates.
 */
public final class ForwardPath {
    private static final ForwardPath AS_IS = new ForwardPath(false, null);

    private final boolean stripPrefix;
    /** Alternating literal and variable-name parts of the rewrite template; null = no rewrite. */
    private final List<Part> rewrite;

    private ForwardPath(boolean stripPrefix, List<Part> rewrite) {
        this.stripPrefix = stripPrefix;
        this.rewrite = rewrite;
    }

    /** Compiles the route's strip_prefix and rewrite settings. */
    public static ForwardPath of(Route route) {
        if (!route.stripPrefix() && route.rewrite() == null) {
            return AS_IS;
        }
        return new ForwardPath(route.stripPrefix(), route.rewrite() == null ? null : parse(route.rewrite().path()));
    }

    /** A path that replaces the whole request path with {@code template}, {@code {name}} variables filled from the match. */
    public static ForwardPath rewrite(String template) {
        return new ForwardPath(false, parse(template));
    }

    /**
     * @param requestPath the request's path as normalized and routed on (SPEC §13), still percent-encoded, no query
     * @param rawQuery the client's raw query, or null/empty when none
     * @return the path and query to send upstream
     */
    public String apply(String requestPath, String rawQuery, RouteMatch<?> match) {
        String path = requestPath;
        String prefix = match.matchedPrefix(); // null unless a prefix path matched
        if (rewrite != null) {
            String rest = prefix == null ? "" : requestPath.substring(prefix.length());
            path = join(render(match.params()), rest);
        } else if (stripPrefix && prefix != null) {
            path = requestPath.substring(prefix.length());
        }
        if (path.isEmpty()) {
            path = "/";
        } else if (path.charAt(0) != '/') {
            path = "/" + path;
        }
        return rawQuery == null || rawQuery.isEmpty() ? path : path + "?" + rawQuery;
    }

    /** Joins at a segment boundary: {@code rest} is empty or starts with '/' (prefixes match whole segments). */
    private static String join(String head, String rest) {
        if (rest.isEmpty()) {
            return head;
        }
        return head.endsWith("/") ? head + rest.substring(1) : head + rest;
    }

    private String render(Map<String, String> params) {
        StringBuilder out = new StringBuilder(64);
        for (Part part : rewrite) {
            out.append(part.variable() ? params.getOrDefault(part.text(), "") : part.text());
        }
        return out.toString();
    }

    private static List<Part> parse(String template) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                parts.add(new Part(template.substring(i), false));
                break;
            }
            int close = template.indexOf('}', open);
            if (close < 0) { // validation rejects this; keep the text literal rather than fail a request
                parts.add(new Part(template.substring(i), false));
                break;
            }
            if (open > i) {
                parts.add(new Part(template.substring(i, open), false));
            }
            parts.add(new Part(template.substring(open + 1, close), true));
            i = close + 1;
        }
        return List.copyOf(parts);
    }

    private record Part(String text, boolean variable) {
    }
}
