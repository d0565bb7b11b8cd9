package stargate.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A route: which requests it takes (hosts, paths, methods, headers) and where they go.
 *
 * @param id           {@code [a-z0-9][a-z0-9._-]{0,63}}, unique among routes
 * @param hosts        exact ({@code api.example.com}) or leading-wildcard ({@code *.example.org}); empty = any host
 * @param paths        exact ({@code /users}), prefix ({@code /users/*}) or template ({@code /users/{id}}); at least one
 * @param methods      upper-case HTTP methods; empty = any method
 * @param headers      exact header matches (names case-insensitive, values exact); empty = none required
 * @param priority     higher wins among otherwise equal candidates; default 0
 * @param upstream     id of the upstream that serves this route
 * @param stripPrefix  drop the matched prefix before forwarding
 * @param rewrite      optional path rewrite (may use template variables); null = none
 * @param preserveHost send the client's Host upstream instead of the target's
 * @param timeouts     connect/read/idle timeouts; defaults when absent
 * @param retries      retry policy; null = no retries
 * @param plugins      plugin name to that plugin's config
 * @param websocket    relay WebSocket handshakes ({@code Upgrade: websocket}) and then the bytes both ways (SPEC §16); otherwise {@code Upgrade} is dropped
 */
public record Route(String id,
                    List<String> hosts,
                    List<String> paths,
                    List<String> methods,
                    Map<String, String> headers,
                    int priority,
                    String upstream,
                    boolean stripPrefix,
                    Rewrite rewrite,
                    boolean preserveHost,
                    Timeouts timeouts,
                    Retries retries,
                    Map<String, JsonNode> plugins,
                    boolean websocket) {

    public Route {
        hosts = Lists.copy(hosts);
        paths = Lists.copy(paths);
        methods = Lists.copy(methods);
        headers = Lists.copy(headers);
        timeouts = timeouts == null ? Timeouts.DEFAULT : timeouts;
        plugins = Lists.copy(plugins);
    }

    /** A minimal route for tests and tools: paths to an upstream, everything else default. */
    public static Route of(String id, List<String> paths, String upstream) {
        return new Route(id, null, paths, null, null, 0, upstream, false, null, false, null, null, null, false);
    }

    /** @param path the rewritten path, e.g. {@code /v2/users/{id}} */
    public record Rewrite(String path) {
    }

    /**
     * @param connect TCP connect + TLS handshake + waiting for a pooled connection, per attempt
     * @param read    the longest the upstream may make no progress, per attempt
     * @param idle    the longest a relayed WebSocket may carry no bytes (either way); null = {@link #DEFAULT_IDLE}.
     *                Only for {@code websocket: true} routes (validation refuses it elsewhere), so it stays null
     *                when not set: a default filled in here could not be told from a value the user wrote
     * @param total   one deadline over every attempt and retry until the response head arrives; null = none
     */
    public record Timeouts(java.time.Duration connect, java.time.Duration read, java.time.Duration idle,
                           java.time.Duration total) {
        public static final Timeouts DEFAULT = new Timeouts(null, null, null, null);
        public static final java.time.Duration DEFAULT_IDLE = java.time.Duration.ofSeconds(60);

        public Timeouts {
            connect = connect == null ? java.time.Duration.ofSeconds(2) : connect;
            read = read == null ? java.time.Duration.ofSeconds(30) : read;
        }

        /** {@link #idle}, or its default when not set. */
        public java.time.Duration idleOrDefault() {
            return idle == null ? DEFAULT_IDLE : idle;
        }
    }

    /**
     * @param attempts extra attempts after the first (0..10)
     * @param on       conditions: {@code connect-failure}, {@code timeout}, or a status code as text ({@code "503"})
     * @param methods  methods that may be retried; default the idempotent ones
     */
    public record Retries(int attempts, List<String> on, List<String> methods) {
        public static final List<String> IDEMPOTENT = List.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");

        public Retries {
            on = on == null ? List.of("connect-failure") : List.copyOf(on);
            methods = methods == null ? IDEMPOTENT : List.copyOf(methods);
        }
    }
}
