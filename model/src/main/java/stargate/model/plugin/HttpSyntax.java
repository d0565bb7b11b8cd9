package stargate.model.plugin;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP names plugin configs are made of: header names and values, methods, path templates and
 * the URLs of services a plugin calls. Each check reports at most one problem per value.
 */
final class HttpSyntax {
    /** RFC 9110 token: header names. (The route checks in {@code validate} use the same grammar.) */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /**
     * RFC 9110 §7.6.1 hop-by-hop headers (lower case): they describe one connection, the proxy
     * removes them and writes its own, so a plugin can never set them.
     */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade");
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final Pattern TEMPLATE_VARIABLE = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private HttpSyntax() {
    }

    /** Whether {@code name} is an RFC 9110 token, the grammar of header names. */
    static boolean isToken(String name) {
        return name != null && TOKEN.matcher(name).matches();
    }

    static boolean headerName(ConfigProblems problems, String key, String name) {
        if (!isToken(name)) {
            problems.add(key, "invalid header name \"" + name + "\"");
            return false;
        }
        return true;
    }

    /** A header a plugin writes: a valid name, not hop-by-hop. */
    static boolean writableHeaderName(ConfigProblems problems, String key, String name) {
        if (!headerName(problems, key, name)) {
            return false;
        }
        if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
            problems.add(key, "\"" + name + "\" is a hop-by-hop header: the proxy manages it, a plugin cannot set it");
            return false;
        }
        return true;
    }

    static void headerValue(ConfigProblems problems, String key, String value) {
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            problems.add(key, "a header value must not contain line breaks");
        }
    }

    static void method(ConfigProblems problems, String key, String method) {
        if (METHODS.contains(method)) {
            return;
        }
        if (METHODS.contains(method.toUpperCase(Locale.ROOT))) {
            problems.add(key, "methods are upper-case: write " + method.toUpperCase(Locale.ROOT) + ", not " + method);
        } else {
            problems.add(key, "unknown method \"" + method + "\"");
        }
    }

    /**
     * A path with {@code {name}} template variables, e.g. {@code /v2/users/{id}}: starts with "/",
     * every brace belongs to a variable with a name like {@code id} or {@code user_id}, no "?", "#"
     * or white space. Which variables exist depends on the route; that is the node's to resolve.
     */
    static void pathTemplate(ConfigProblems problems, String key, String template) {
        if (!template.startsWith("/")) {
            problems.add(key, "must start with \"/\", got \"" + template + "\"");
            return;
        }
        if (template.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '?' || c == '#')) {
            problems.add(key, "must not contain white space, control characters, \"?\" or \"#\"");
            return;
        }
        Matcher m = TEMPLATE_VARIABLE.matcher(template);
        while (m.find()) {
            if (!VARIABLE_NAME.matcher(m.group(1)).matches()) {
                problems.add(key, "invalid template variable \"" + m.group() + "\": expected a name like {id} or {user_id}");
                return;
            }
        }
        String rest = TEMPLATE_VARIABLE.matcher(template).replaceAll("");
        if (rest.indexOf('{') >= 0 || rest.indexOf('}') >= 0) {
            problems.add(key, "unbalanced \"{\" or \"}\" in \"" + template + "\"");
        }
    }

    /**
     * The URL of a service a plugin calls with credentials or for keys (an introspection endpoint,
     * a JWKS): absolute, with a host, no user info or fragment; https, because what travels is
     * secret or decides who gets in; plain http only to a loopback address (a local sidecar).
     */
    static void serviceUrl(ConfigProblems problems, String key, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            problems.add(key, "invalid URL \"" + url + "\": " + e.getReason());
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            problems.add(key, "expected an absolute URL like https://idp.example.com/path, got \"" + url + "\"");
        } else if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            problems.add(key, "a URL here has no user info or fragment, got \"" + url + "\"");
        } else if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            problems.add(key, "must use https (plain http only to 127.0.0.1, [::1] or localhost), got \"" + url + "\"");
        }
    }

    private static boolean isLoopback(String host) {
        return host.equalsIgnoreCase("localhost") || host.equals("[::1]") || LOOPBACK_V4.matcher(host).matches();
    }
}
