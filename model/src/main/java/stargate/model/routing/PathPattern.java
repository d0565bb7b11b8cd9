package stargate.model.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One route path, parsed: exact ({@code /users}), prefix ({@code /users/*}) or template
 * ({@code /users/{id}}).
 *
 * <p>Paths are split into segments at every {@code /} after the leading one: {@code /} is one
 * empty segment, {@code /a/b/} is {@code a}, {@code b} and an empty one. A prefix matches its
 * literal followed by nothing or by {@code /...} (segment-bounded: {@code /users/*} takes
 * {@code /users}, {@code /users/} and {@code /users/x/y}, not {@code /users123}); {@code /*} takes
 * every path. A template parameter is a whole segment and matches exactly one non-empty segment.
 *
 * <p>Public only for {@link #isParameterName}, the one rule for a parameter's name, which config validation
 * checks too.
 */
public final class PathPattern {
    /** Declaration order is precedence: exact beats template beats prefix. */
    enum Kind {
        EXACT("exact path"), TEMPLATE("template"), PREFIX("prefix");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    final String text;
    final Kind kind;
    /** Exact: the path. Prefix: the part before {@code /*} ({@code ""} for {@code /*}). Template: the text. */
    final String literal;
    /** The trie keys: template and prefix segments, a template parameter as null ({@code /*} has none). Exact: empty. */
    final List<String> segments;
    /** Template: the parameter name at each segment, null at literal ones. Otherwise empty. */
    final List<String> paramNames;

    private PathPattern(String text, Kind kind, String literal, List<String> segments, List<String> paramNames) {
        this.text = text;
        this.kind = kind;
        this.literal = literal;
        this.segments = segments;
        this.paramNames = paramNames;
    }

    /** Equal for patterns that match the same paths (template parameter names do not count); build time only. */
    String shape() {
        return kind == Kind.TEMPLATE ? kind + ":" + withoutParamNames(text) : kind + ":" + literal;
    }

    /**
     * {@code parse(text).shape()} without building the pattern (its segment lists): the shadow index
     * keys 100,000 routes by it at a start. Throws what {@link #parse} throws.
     */
    static String shapeOf(String text) {
        if (text != null && text.startsWith("/") && text.indexOf('?') < 0 && text.indexOf('#') < 0) {
            if (text.endsWith("/*")) {
                String literal = text.substring(0, text.length() - 2);
                if (literal.indexOf('*') < 0 && literal.indexOf('{') < 0 && literal.indexOf('}') < 0) {
                    return Kind.PREFIX + ":" + literal;
                }
            } else if (text.indexOf('*') < 0 && text.indexOf('{') < 0 && text.indexOf('}') < 0) {
                return Kind.EXACT + ":" + text;
            }
        }
        return parse(text).shape(); // a template, or a path parse rejects with its message
    }

    /** {@code /a/{id}/b/{x}} to {@code /a/{}/b/{}}: each {@code {...}} emptied, as the regex \{[^}]*} would match it. */
    private static String withoutParamNames(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            int close = open < 0 ? -1 : text.indexOf('}', open + 1);
            if (close < 0) {
                out.append(text, i, text.length());
                break;
            }
            out.append(text, i, open).append("{}");
            i = close + 1;
        }
        return out.toString();
    }

    /** The first segment's literal text ({@code users} for {@code /users/{id}}), or null when it is a parameter or absent. */
    String firstSegment() {
        if (kind == Kind.EXACT) {
            return literal.substring(1, segmentEnd(literal, 1, literal.length()));
        }
        return segments.isEmpty() ? null : segments.get(0);
    }

    /** @throws IllegalArgumentException with a reason an operator can act on */
    static PathPattern parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("path \"" + text + "\" must start with /");
        }
        if (text.indexOf('?') >= 0 || text.indexOf('#') >= 0) {
            throw new IllegalArgumentException("path \"" + text + "\" must not contain a query or fragment");
        }
        if (text.endsWith("/*")) {
            String literal = text.substring(0, text.length() - 2);
            if (literal.indexOf('*') >= 0 || literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
                throw new IllegalArgumentException("prefix path \"" + text + "\" must be literal before its /*");
            }
            return new PathPattern(text, Kind.PREFIX, literal, literal.isEmpty() ? List.of() : split(literal), List.of());
        }
        if (text.indexOf('*') >= 0) {
            throw new IllegalArgumentException("path \"" + text + "\": * is only allowed as a final /* segment");
        }
        if (text.indexOf('{') < 0 && text.indexOf('}') < 0) {
            return new PathPattern(text, Kind.EXACT, text, List.of(), List.of());
        }
        List<String> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String segment : split(text)) {
            if (segment.startsWith("{") && segment.endsWith("}")) {
                String name = segment.substring(1, segment.length() - 1);
                if (!isParameterName(name)) {
                    throw new IllegalArgumentException("path \"" + text + "\": bad parameter name \"" + name + "\"");
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("path \"" + text + "\": parameter {" + name + "} appears twice");
                }
                segments.add(null);
                names.add(name);
            } else if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0) {
                throw new IllegalArgumentException("path \"" + text + "\": a {parameter} must be a whole segment");
            } else {
                segments.add(segment);
                names.add(null);
            }
        }
        return new PathPattern(text, Kind.TEMPLATE, text, Collections.unmodifiableList(segments),
                Collections.unmodifiableList(names));
    }

    /**
     * Whether {@code name} may name a template parameter ({@code {id}}): {@code [A-Za-z_][A-Za-z0-9_]*}. A loop, not a
     * regular expression: it runs for every parameter of every route at a node's start (100,000 routes).
     */
    public static boolean isParameterName(String name) {
        if (name.isEmpty() || name.charAt(0) >= '0' && name.charAt(0) <= '9') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The segments of a path that starts with {@code /}, interned: segments repeat across routes
     * ({@code api}, {@code v1}, {@code static}), and at 100,000 routes one copy each matters (SPEC §12).
     */
    private static List<String> split(String path) {
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            segments[i] = segments[i].intern();
        }
        return List.of(segments);
    }

    /** The single-pattern check (explain's near misses, not the index): does {@code path[0, end)} match? */
    boolean matches(String path, int end) {
        return switch (kind) {
            case EXACT -> end == literal.length() && path.startsWith(literal);
            case PREFIX -> path.startsWith(literal) && literal.length() <= end
                    && (literal.length() == end || path.charAt(literal.length()) == '/');
            case TEMPLATE -> templateMatches(path, end);
        };
    }

    private boolean templateMatches(String path, int end) {
        if (end == 0 || path.charAt(0) != '/') {
            return false;
        }
        int start = 1;
        for (int i = 0; i < segments.size(); i++) {
            int stop = segmentEnd(path, start, end);
            boolean lastPattern = i == segments.size() - 1;
            if (lastPattern != (stop == end)) {
                return false;
            }
            String literalSegment = segments.get(i);
            boolean ok = literalSegment == null
                    ? stop > start
                    : stop - start == literalSegment.length() && path.startsWith(literalSegment, start);
            if (!ok) {
                return false;
            }
            start = stop + 1;
        }
        return true;
    }

    /** Template parameters of a path this pattern is known to match, in pattern order. */
    Map<String, String> params(String path, int end) {
        Map<String, String> params = new LinkedHashMap<>();
        int start = 1;
        for (String name : paramNames) {
            int stop = segmentEnd(path, start, end);
            if (name != null) {
                params.put(name, path.substring(start, stop));
            }
            start = stop + 1;
        }
        return Collections.unmodifiableMap(params);
    }

    /** The index of the {@code /} that ends the segment starting at {@code start}, or {@code end}. */
    static int segmentEnd(String path, int start, int end) {
        int i = start;
        while (i < end && path.charAt(i) != '/') {
            i++;
        }
        return i;
    }

    @Override
    public String toString() {
        return text;
    }
}
