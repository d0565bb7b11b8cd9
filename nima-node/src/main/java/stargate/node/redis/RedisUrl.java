package stargate.node.redis;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The node flag {@code --redis} (SPEC §15): {@code redis://[user:password@]host:port[/db]},
 * {@code rediss://} for TLS, or {@code redis-sentinel://[user:password@]host:port[,host:port]/MASTER}
 * (the credentials are the primary's; sentinels are asked without). User and password may be
 * percent-encoded. Anything else (a query, an unknown scheme, a port out of range) is refused with a
 * message, never guessed. {@link #toString} hides the password, so the URL can be logged.
 *
 * @param tls      {@code rediss://}
 * @param hosts    the server ({@code redis://}, {@code rediss://}), or the sentinels
 * @param master   the sentinels' name for the primary; null when not sentinel
 * @param user     ACL user, or null
 * @param password null when none
 * @param database the logical database, 0 by default
 */
public record RedisUrl(boolean tls, List<Host> hosts, String master, String user, String password, int database) {
    private static final int DEFAULT_PORT = 6379;
    private static final int DEFAULT_SENTINEL_PORT = 26379;
    private static final String FORMS = "redis://[user:password@]host:port[/db], rediss://... or "
            + "redis-sentinel://host:port[,host:port]/MASTER";

    /** One address; {@code host} without IPv6 brackets. */
    public record Host(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public RedisUrl {
        hosts = List.copyOf(hosts);
    }

    public boolean sentinel() {
        return master != null;
    }

    /** @throws IllegalArgumentException saying what is wrong and the accepted forms */
    public static RedisUrl parse(String raw) {
        String url = raw.trim();
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw invalid(raw, "no scheme");
        }
        String scheme = url.substring(0, schemeEnd);
        boolean sentinel = scheme.equals("redis-sentinel");
        if (!sentinel && !scheme.equals("redis") && !scheme.equals("rediss")) {
            throw invalid(raw, "unknown scheme \"" + scheme + "\"");
        }
        String rest = url.substring(schemeEnd + 3);
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw invalid(raw, "query and fragment are not supported");
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (colon < 0) {               // redis://secret@host: a lone userinfo is the password, as redis-cli reads it
                password = user;
                user = null;
            }
            user = user == null || user.isEmpty() ? null : user;
        }
        List<Host> hosts = new ArrayList<>();
        for (String host : authority.split(",", -1)) {
            hosts.add(host(raw, host, sentinel ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT));
        }
        if (!sentinel && hosts.size() > 1) {
            throw invalid(raw, "several hosts are only for redis-sentinel://");
        }
        if (sentinel) {
            if (path.isEmpty() || path.indexOf('/') >= 0) {
                throw invalid(raw, "redis-sentinel:// needs the primary's name as the path, e.g. /mymaster");
            }
            return new RedisUrl(false, hosts, path, user, password, 0);
        }
        return new RedisUrl(scheme.equals("rediss"), hosts, null, user, password, database(raw, path));
    }

    private static Host host(String raw, String text, int defaultPort) {
        String host = text;
        int port = defaultPort;
        int colon = text.lastIndexOf(':');
        if (text.startsWith("[")) {                      // [::1]:6379
            int close = text.indexOf(']');
            if (close < 0) {
                throw invalid(raw, "unclosed [ in \"" + text + "\"");
            }
            host = text.substring(1, close);
            String after = text.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw invalid(raw, "expected :port after ] in \"" + text + "\"");
                }
                port = port(raw, after.substring(1));
            }
        } else if (colon >= 0) {
            host = text.substring(0, colon);
            port = port(raw, text.substring(colon + 1));
        }
        if (host.isEmpty()) {
            throw invalid(raw, "empty host");
        }
        return new Host(host, port);
    }

    private static int port(String raw, String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(raw, "port must be 1..65535, got \"" + text + "\"");
    }

    private static int database(String raw, String path) {
        if (path.isEmpty()) {
            return 0;
        }
        try {
            int db = Integer.parseInt(path);
            if (db >= 0) {
                return db;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(raw, "the path is the database number, got \"/" + path + "\"");
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String raw, String why) {
        String shown = raw.replaceAll("//.*@", "//***@");   // never echo credentials
        return new IllegalArgumentException("--redis " + shown + ": " + why + " (expected " + FORMS + ")");
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(sentinel() ? "redis-sentinel://" : tls ? "rediss://" : "redis://");
        if (user != null || password != null) {
            text.append(user == null ? "" : user).append(password == null ? "" : ":***").append('@');
        }
        text.append(String.join(",", hosts.stream().map(Host::toString).toList()));
        return text.append('/').append(sentinel() ? master : Integer.toString(database)).toString();
    }
}
