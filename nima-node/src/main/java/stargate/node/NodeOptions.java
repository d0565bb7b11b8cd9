package stargate.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import stargate.model.codec.Units;
import stargate.model.rollout.RolloutPolicy;
import stargate.node.listener.ClientLimits;
import stargate.node.listener.TlsProvider;
import stargate.model.telemetry.LogFormat;
import stargate.model.telemetry.TracingOptions;
import stargate.node.observe.AccessLogOptions;
import stargate.node.proxy.TrustedProxies;
import stargate.node.redis.RedisUrl;

/**
 * The node's command-line flags (SPEC §2). Every flag also has an environment variable
 * ({@code --admin-port} is {@code STARGATE_ADMIN_PORT}); flags win over the environment.
 *
 * @param configFile        standalone mode: the YAML file to serve and watch; null in etcd mode
 * @param etcd              etcd client URLs (comma separated); null in standalone mode
 * @param host              proxy listener address
 * @param port              proxy listener port (http)
 * @param httpsPort         proxy listener port for https, used when the config has certificates
 * @param adminHost         admin listener address (health, metrics, status, explain)
 * @param adminPort         admin listener port
 * @param drainTimeout      how long in-flight requests may take to finish on SIGTERM
 * @param accessLog         {@code --access-log stdout|off|FILE} and its {@code --access-log-*} flags (rotation,
 *                          compression, sampling)
 * @param nodeId            this node's id in status and in etcd
 * @param nodeLabels        {@code --node-labels k=v[,k=v]}: reported in the node key, matched by rollouts'
 *                          canary selectors (docs/rollout.md)
 * @param maxConcurrentRequests requests served at once before new ones get 503 {@code overloaded}
 * @param maxHeaderBytes    request header size limit (431 beyond it)
 * @param clientTimeout     an idle keep-alive client connection is closed after this
 * @param pluginsDir        directory whose jars add plugins ({@code plugins} in the working directory by default;
 *                          a missing directory adds none)
 * @param etcdPrefix        etcd mode: the key prefix the config lives under, without a trailing slash
 * @param cacheDir          etcd mode: where the last good config is kept for a restart while etcd is down;
 *                          standalone mode: where the parse of the file is kept for a restart on the same
 *                          file (store.FileSnapshot); null = no cache
 * @param trustedProxies    peers whose {@code X-Forwarded-For} names the client (SPEC §13); none by default
 * @param redis             where {@code rate-limit} with {@code policy: cluster} counts (SPEC §15); null = none
 * @param redisTimeout      a Redis call slower than this falls back (or answers 503); 50 ms by default
 * @param clientLimits      {@code --client-header-timeout}, {@code --client-body-timeout}, {@code --client-send-timeout},
 *                          {@code --max-connections}, {@code --max-connections-per-ip} (SPEC §14)
 * @param tlsProvider       {@code --tls-provider jsse|conscrypt}: who terminates TLS on the https listener
 * @param tracing           span export (SPEC §17): {@code --otlp-endpoint}, {@code --otlp-protocol},
 *                          {@code --trace-sample-rate}, {@code --service-name} over the {@code OTEL_*} variables
 * @param logFormat         {@code --log-format text|json}: the node's own log lines (not the access log)
 */
public record NodeOptions(Path configFile,
                          String etcd,
                          String host,
                          int port,
                          int httpsPort,
                          String adminHost,
                          int adminPort,
                          Duration drainTimeout,
                          AccessLogOptions accessLog,
                          String nodeId,
                          Map<String, String> nodeLabels,
                          int maxConcurrentRequests,
                          int maxHeaderBytes,
                          Duration clientTimeout,
                          Path pluginsDir,
                          String etcdPrefix,
                          Path cacheDir,
                          TrustedProxies trustedProxies,
                          RedisUrl redis,
                          Duration redisTimeout,
                          ClientLimits clientLimits,
                          TlsProvider tlsProvider,
                          TracingOptions tracing,
                          LogFormat logFormat) {

    private static final Set<String> FLAGS = Stream.concat(Stream.of("config", "etcd", "prefix", "node-id", "node-labels", "cache-dir",
            "host", "port", "https-port", "admin-port", "admin-host", "drain-timeout", "access-log",
            "max-concurrent-requests", "max-header-size", "client-timeout", "plugins-dir", "trusted-proxies",
            "access-log-max-size", "access-log-keep", "access-log-compress", "access-log-sample", "redis", "redis-timeout",
            "client-header-timeout", "client-body-timeout", "client-send-timeout", "max-connections", "max-connections-per-ip",
            "tls-provider"),
            Stream.concat(TracingOptions.FLAGS.stream(), Stream.of(LogFormat.FLAG))).collect(Collectors.toUnmodifiableSet());

    /** Parses {@code --name value} / {@code --name=value} flags over {@code STARGATE_NAME} variables. */
    public static NodeOptions parse(List<String> args, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        for (String flag : FLAGS) {
            String fromEnv = env.get("STARGATE_" + flag.toUpperCase().replace('-', '_'));
            if (fromEnv != null && !fromEnv.isBlank()) {
                values.put(flag, fromEnv);
            }
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("flag --" + name + " needs a value");
            }
            if (!FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name);
            }
            values.put(name, value);
        }
        String config = values.get("config");
        String etcd = values.get("etcd");
        if ((config == null) == (etcd == null)) {
            throw new IllegalArgumentException("give exactly one of --config FILE or --etcd URLS");
        }
        if (config != null && values.containsKey("node-labels")) {
            throw new IllegalArgumentException("--node-labels needs --etcd: labels pick the canaries of a rollout among "
                    + "the nodes that follow etcd, and a standalone node takes part in none");
        }
        return new NodeOptions(config == null ? null : Path.of(config),
                etcd,
                values.getOrDefault("host", "0.0.0.0"),
                port(values, "port", 8080),
                port(values, "https-port", 8443),
                values.getOrDefault("admin-host", "127.0.0.1"),
                port(values, "admin-port", 9901),
                duration(values, "drain-timeout", "30s"),
                accessLog(values),
                values.getOrDefault("node-id", defaultNodeId()),
                nodeLabels(values.get("node-labels")),
                integer(values, "max-concurrent-requests", 10_000),
                integer(values, "max-header-size", 16 * 1024),
                duration(values, "client-timeout", "60s"),
                Path.of(values.getOrDefault("plugins-dir", "plugins")),
                prefix(values.getOrDefault("prefix", "/stargate")),
                values.containsKey("cache-dir") ? Path.of(values.get("cache-dir")) : null,
                trustedProxies(values.get("trusted-proxies")),
                values.containsKey("redis") ? RedisUrl.parse(values.get("redis")) : null,
                redisTimeout(values),
                clientLimits(values),
                TlsProvider.parse(values.getOrDefault("tls-provider", "jsse")),
                TracingOptions.parse(values, env, "stargate-node"),
                LogFormat.parse(values.get(LogFormat.FLAG)));
    }

    private static ClientLimits clientLimits(Map<String, String> values) {
        ClientLimits defaults = ClientLimits.DEFAULT;
        return new ClientLimits(
                duration(values, "client-header-timeout", defaults.headerTimeout().toSeconds() + "s"),
                duration(values, "client-body-timeout", defaults.bodyTimeout().toSeconds() + "s"),
                duration(values, "client-send-timeout", defaults.sendTimeout().toSeconds() + "s"),
                integer(values, "max-connections", defaults.maxConnections()),
                integer(values, "max-connections-per-ip", defaults.maxConnectionsPerIp()));
    }

    private static AccessLogOptions accessLog(Map<String, String> values) {
        long maxSize = 0;
        if (values.containsKey("access-log-max-size")) {
            try {
                maxSize = Units.parseSize(values.get("access-log-max-size").trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--access-log-max-size: " + e.getMessage());
            }
        }
        String compress = values.getOrDefault("access-log-compress", "none").trim();
        if (!compress.equals("gzip") && !compress.equals("none")) {
            throw new IllegalArgumentException("--access-log-compress must be gzip or none, got \"" + compress + "\"");
        }
        double sample = 1;
        if (values.containsKey("access-log-sample")) {
            try {
                sample = Double.parseDouble(values.get("access-log-sample").trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--access-log-sample must be a number between 0 and 1, got \""
                        + values.get("access-log-sample") + "\"");
            }
        }
        return new AccessLogOptions(values.getOrDefault("access-log", "stdout"), maxSize,
                integer(values, "access-log-keep", 10), compress.equals("gzip"), sample);
    }

    /** {@code /stargate}, {@code stargate/} and {@code /stargate/} all mean the keys under {@code /stargate/}. */
    private static String prefix(String raw) {
        String trimmed = raw.trim().replaceAll("/+$", "");
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("--prefix must not be empty or \"/\"");
        }
        return trimmed.startsWith("/") ? trimmed : "/" + trimmed;
    }

    private static int port(Map<String, String> values, String name, int fallback) {
        int port = integer(values, name, fallback);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--" + name + " must be 0..65535, got " + port);
        }
        return port;
    }

    private static int integer(Map<String, String> values, String name, int fallback) {
        String raw = values.get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got \"" + raw + "\"");
        }
    }

    private static Duration duration(Map<String, String> values, String name, String fallback) {
        String raw = values.getOrDefault(name, fallback);
        try {
            return Units.parseDuration(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + name + ": " + e.getMessage());
        }
    }

    private static Duration redisTimeout(Map<String, String> values) {
        Duration timeout = duration(values, "redis-timeout", "50ms");
        if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--redis-timeout must be at least 1ms, got " + values.get("redis-timeout"));
        }
        return timeout;
    }

    private static Map<String, String> nodeLabels(String text) {
        try {
            return Map.copyOf(RolloutPolicy.parseLabels(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--node-labels: " + e.getMessage());
        }
    }

    private static TrustedProxies trustedProxies(String csv) {
        try {
            return TrustedProxies.parse(csv);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trusted-proxies: " + e.getMessage());
        }
    }

    private static String defaultNodeId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "node");
        return (host + "-" + ProcessHandle.current().pid()).toLowerCase();
    }
}
