package stargate.model.validate;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import stargate.model.routing.PathPattern;

/**
 * The syntax of the names a config is made of: ids, host names, route paths, HTTP methods and
 * header names. Each check adds at most one error per value (the first problem), so one typo is
 * one line of output.
 */
final class Syntax {
    /** RFC 9110 token: header names, cookie names. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /** RFC 3986 pchar and "/", minus what has a meaning in route paths ("*", "{", "}"). */
    private static final String PATH_PUNCTUATION = "-._~!$&'()+,;=:@%/";
    private static final Pattern VARIABLE = Pattern.compile("\\{([^{}/]*)}");
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    private Syntax() {
    }

    /** {@code [a-z0-9][a-z0-9._-]{0,63}}: the id of every object. */
    static boolean isId(String id) {
        if (id.isEmpty() || id.length() > 64 || id.charAt(0) == '.' || id.charAt(0) == '_' || id.charAt(0) == '-') {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static boolean isToken(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    static void host(Findings f, String path, String host) {
        if (host == null || host.length() > 253 || !isHostName(host)) {
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
        if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0) {
            String name = segment.length() > 2 && segment.charAt(0) == '{' && segment.endsWith("}")
                    ? segment.substring(1, segment.length() - 1) : null;
            if (name == null || !PathPattern.isParameterName(name)) {
                return "a template variable is a whole segment named like {id}, got \"" + segment + "\"";
            }
            return variables.add(name) ? null : "duplicate template variable {" + name + "}";
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (!isAsciiLetterOrDigit(c) && PATH_PUNCTUATION.indexOf(c) < 0) {
                return "invalid character in segment \"" + segment + "\"";
            }
        }
        return null;
    }

    /*
     * The checks below are loops rather than regular expressions: they run on every host and path
     * segment of a config, 100,000 routes at a node's start, where a Matcher each was a tenth of the
     * validation's garbage.
     */

    /** RFC 1123 labels of 1 to 63 lower-case letters, digits and inner '-', after an optional "*.". */
    private static boolean isHostName(String host) {
        int start = host.startsWith("*.") ? 2 : 0;
        while (true) {
            int end = host.indexOf('.', start);
            end = end < 0 ? host.length() : end;
            int length = end - start;
            if (length < 1 || length > 63 || host.charAt(start) == '-' || host.charAt(end - 1) == '-') {
                return false;
            }
            for (int i = start; i < end; i++) {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
            if (end == host.length()) {
                return true;
            }
            start = end + 1;
        }
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
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
