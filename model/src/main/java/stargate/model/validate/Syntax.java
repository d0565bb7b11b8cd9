package stargate.model.validate;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of the names a config is made of: ids, host names, route paths, HTTP methods and
 * header names. Each check adds at most one error per value (the first problem), so one typo is
 * one line of output.
 */
final class Syntax {
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** RFC 1123 labels, lower case; a host name is at most 253 characters. */
    private static final Pattern HOST =
            Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    /** RFC 9110 token: header names, cookie names. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /** RFC 3986 pchar and "/", minus what has a meaning in route paths ("*", "{", "}"). */
    private static final Pattern PATH_CHARS = Pattern.compile("[A-Za-z0-9\\-._~!$&'()+,;=:@%/]*");
    private static final Pattern VARIABLE_SEGMENT = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern VARIABLE = Pattern.compile("\\{([^{}/]*)}");
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    private Syntax() {
    }

    static boolean isToken(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    static void host(Findings f, String path, String host) {
        if (host == null || host.length() > 253 || !HOST.matcher(host).matches()) {
            f.add(path, "invalid host \"" + host + "\": expected a lower-case name like api.example.com or *.example.org");
        }
    }

    static void method(Findings f, String path, String method) {
        if (method != null && METHODS.contains(method)) {
            return;
        }
        if (method != null && METHODS.contains(method.toUpperCase(Locale.ROOT))) {
            f.add(path, "methods are upper-case: write " + method.toUpperCase(Locale.ROOT) + ", not " + method);
        } else {
            f.add(path, "unknown method \"" + method + "\"");
        }
    }

    static boolean isPrefix(String routePath) {
        return routePath.endsWith("/*");
    }

    /**
     * Checks one route path: exact ({@code /users}), prefix ({@code /users/*}) or template
     * ({@code /users/{id}}, each variable a whole segment, names unique). Rejects "?", "#",
     * empty, "." and ".." segments (a request path is matched as sent, never normalised), and
     * "*" other than a trailing "/*".
     *
     * @return the template variables in order (empty for exact and prefix paths), or null when invalid
     */
    static Set<String> routePath(Findings f, String at, String path) {
        if (path == null || !path.startsWith("/")) {
            f.add(at, "must start with \"/\", got \"" + path + "\"");
            return null;
        }
        if (path.contains("?") || path.contains("#")) {
            f.add(at, "must not contain \"?\" or \"#\" (queries are not matched)");
            return null;
        }
        String body = isPrefix(path) ? path.substring(0, path.length() - 1) : path;
        if (body.contains("*")) {
            f.add(at, "\"*\" is only allowed as a trailing \"/*\" (prefix match)");
            return null;
        }
        Set<String> variables = new LinkedHashSet<>();
        String[] segments = body.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String problem = segmentProblem(segments[i], i == segments.length - 1, variables);
            if (problem != null) {
                f.add(at, problem);
                return null;
            }
        }
        if (isPrefix(path) && !variables.isEmpty()) {
            f.add(at, "a path is a prefix (/*) or a template ({name}), not both");
            return null;
        }
        return variables;
    }

    /** @param variables collects the segment's variable, if it is one */
    private static String segmentProblem(String segment, boolean last, Set<String> variables) {
        if (segment.isEmpty()) {
            return last ? null : "empty segment (\"//\")";
        }
        if (segment.equals(".") || segment.equals("..")) {
            return "\".\" and \"..\" segments are not allowed";
        }
        if (segment.contains("{") || segment.contains("}")) {
            Matcher m = VARIABLE_SEGMENT.matcher(segment);
            if (!m.matches()) {
                return "a template variable is a whole segment named like {id}, got \"" + segment + "\"";
            }
            return variables.add(m.group(1)) ? null : "duplicate template variable {" + m.group(1) + "}";
        }
        return PATH_CHARS.matcher(segment).matches() ? null : "invalid character in segment \"" + segment + "\"";
    }

    /** The {@code {name}} variables a rewrite path uses, in order. */
    static Set<String> variablesIn(String rewrite) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(rewrite);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
