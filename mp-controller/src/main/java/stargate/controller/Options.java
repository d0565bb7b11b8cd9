package stargate.controller;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import stargate.model.telemetry.LogFormat;
import stargate.model.telemetry.TracingOptions;

/**
 * The controller's command line (SPEC §2): {@code --etcd URLS [--prefix /stargate] [--host H]
 * [--port 9080] [--grpc-port 9090 (0 = off)] [--grpc-tls-cert PEM_FILE --grpc-tls-key PEM_FILE] [--api-keys FILE]
 * [--jwt-issuer ISS --jwt-public-key PEM_FILE] [--history-keep 1000] [--audit-keep 1000] [--rollout-policy JSON]}, and
 * GitOps: {@code --git URL [--git-branch main]
 * [--git-path DIR] [--git-interval 30s] [--git-secret-file F] [--git-token-file F] [--git-workdir DIR]
 * [--git-self-heal] [--git-no-prune] [--git-allow-empty] [--git-rollout canary [--git-rollout-policy JSON]]}
 * (self-heal, no-prune and allow-empty are switches). Every flag
 * also has an env var ({@code --api-keys} is {@code STARGATE_API_KEYS}; a switch's env var is
 * {@code true} or {@code false}); flags win.
 *
 * Tracing: {@code --otlp-endpoint URL [--otlp-protocol grpc|http/protobuf] [--trace-sample-rate 1]
 * [--service-name stargate-controller]} over the {@code OTEL_*} variables ({@link TracingOptions}).
 *
 * Logs: {@code --log-format text|json} ({@link LogFormat}).
 *
 * @param values    flag name (without {@code --}) to value
 * @param tracing   span export (SPEC §17)
 * @param logFormat how the controller's log lines are written
 */
record Options(Map<String, String> values, TracingOptions tracing, LogFormat logFormat) {
    static final List<String> FLAGS = java.util.stream.Stream.concat(java.util.stream.Stream.of("etcd", "prefix", "host",
            "port", "grpc-port", "grpc-tls-cert", "grpc-tls-key", "api-keys", "jwt-issuer", "jwt-public-key", "history-keep",
            "audit-keep", "git", "git-branch", "git-path", "git-interval", "git-secret-file", "git-token-file", "git-workdir",
            "rollout-policy", "git-rollout", "git-rollout-policy", LogFormat.FLAG),
            TracingOptions.FLAGS.stream()).toList();
    /** Flags without a value. */
    static final List<String> SWITCHES = List.of("git-self-heal", "git-no-prune", "git-allow-empty");
    private static final String LOOPBACK = "127.0.0.1";

    /** A command line that cannot run; the message says why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args, Map<String, String> env) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String flag : java.util.stream.Stream.concat(FLAGS.stream(), SWITCHES.stream()).toList()) {
            String fromEnv = env.get("STARGATE_" + flag.toUpperCase(Locale.ROOT).replace('-', '_'));
            if (fromEnv != null && !fromEnv.isBlank()) {
                values.put(flag, fromEnv);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg.startsWith("--") ? arg.substring(2) : "";
            String inline = null;
            if (name.contains("=")) {
                inline = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (SWITCHES.contains(name)) {
                values.put(name, inline == null ? "true" : inline);
                continue;
            }
            if (!FLAGS.contains(name)) {
                throw new UsageException("unknown argument " + arg + "; flags: --" + String.join(" --", FLAGS)
                        + " --" + String.join(" --", SWITCHES));
            }
            if (inline == null && i + 1 >= args.length) {
                throw new UsageException(arg + " needs a value");
            }
            values.put(name, inline != null ? inline : args[++i]);
        }
        if (!values.containsKey("etcd")) {
            throw new UsageException("--etcd URLS (or STARGATE_ETCD) is required, e.g. --etcd http://127.0.0.1:2379");
        }
        if (values.containsKey("jwt-issuer") != values.containsKey("jwt-public-key")) {
            throw new UsageException("--jwt-issuer and --jwt-public-key go together");
        }
        if (values.containsKey("grpc-tls-cert") != values.containsKey("grpc-tls-key")) {
            throw new UsageException("--grpc-tls-cert and --grpc-tls-key go together");
        }
        if (values.containsKey("grpc-tls-cert") && "0".equals(values.get("grpc-port"))) {
            throw new UsageException("--grpc-tls-cert needs the gRPC port on: --grpc-port 0 turns it off");
        }
        for (String count : List.of("history-keep", "audit-keep")) {
            if (values.containsKey(count) && !values.get(count).matches("[1-9]\\d{0,6}")) {
                throw new UsageException("--" + count + " must be a count from 1, got " + values.get(count));
            }
        }
        for (String flag : List.of("git-branch", "git-path", "git-interval", "git-secret-file", "git-token-file", "git-workdir",
                "git-self-heal", "git-no-prune", "git-allow-empty", "git-rollout")) {
            if (values.containsKey(flag) && !values.containsKey("git")) {
                throw new UsageException("--" + flag + " needs --git URL");
            }
        }
        if (values.containsKey("git-interval")) {
            try {
                if (stargate.model.codec.Units.parseDuration(values.get("git-interval")).isZero()) {
                    throw new IllegalArgumentException("zero");
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("--git-interval must be a duration like 30s or 5m, got " + values.get("git-interval"));
            }
        }
        for (String flag : SWITCHES) {
            if (values.containsKey(flag) && !values.get(flag).matches("true|false")) {
                throw new UsageException("--" + flag + " is a switch: true or false, got " + values.get(flag));
            }
        }
        for (String flag : List.of("port", "grpc-port")) {
            try {
                int port = Integer.parseInt(values.getOrDefault(flag, "9080"));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new UsageException("--" + flag + " must be a port number, got " + values.get(flag));
            }
        }
        if (values.containsKey("git-rollout") && !values.get("git-rollout").equals("canary")) {
            throw new UsageException("--git-rollout must be canary (the one kind of rollout), got " + values.get("git-rollout"));
        }
        if (values.containsKey("git-rollout-policy") && !values.containsKey("git-rollout")) {
            throw new UsageException("--git-rollout-policy needs --git-rollout canary");
        }
        for (String flag : List.of("rollout-policy", "git-rollout-policy")) {
            if (values.containsKey(flag)) {
                try {
                    stargate.controller.rollout.Rollouts.defaults(values.get(flag));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--" + flag + ": " + e.getMessage());
                }
            }
        }
        try {
            return new Options(Map.copyOf(values), TracingOptions.parse(values, env, "stargate-controller"),
                    LogFormat.parse(values.get(LogFormat.FLAG)));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Whether any auth is configured; without it the controller listens on loopback only. */
    boolean authConfigured() {
        return values.containsKey("api-keys") || values.containsKey("jwt-issuer");
    }

    /** The host to bind: the requested one with auth, else 127.0.0.1 whatever was asked. */
    String host() {
        return authConfigured() ? values.getOrDefault("host", "0.0.0.0") : LOOPBACK;
    }

    /** The MicroProfile config these options stand for. */
    Map<String, String> mpConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.host", host());
        config.put("server.port", values.getOrDefault("port", "9080"));
        config.put("stargate.grpc.port", values.getOrDefault("grpc-port", "9090"));
        config.put("stargate.etcd", values.get("etcd"));
        config.put("stargate.prefix", values.getOrDefault("prefix", "/stargate"));
        put(config, "stargate.grpc.tls-cert", "grpc-tls-cert");
        put(config, "stargate.grpc.tls-key", "grpc-tls-key");
        put(config, "stargate.api-keys", "api-keys");
        put(config, "stargate.jwt.issuer", "jwt-issuer");
        put(config, "stargate.jwt.public-key", "jwt-public-key");
        put(config, "stargate.history.keep", "history-keep");
        put(config, "stargate.audit.keep", "audit-keep");
        put(config, "stargate.rollout.policy", "rollout-policy");
        put(config, "stargate.git.url", "git");
        for (String flag : List.of("branch", "path", "interval", "secret-file", "token-file", "workdir", "self-heal", "allow-empty",
                "rollout", "rollout-policy")) {
            put(config, "stargate.git." + flag, "git-" + flag);
        }
        if (values.containsKey("git-no-prune")) {
            config.put("stargate.git.prune", String.valueOf(!Boolean.parseBoolean(values.get("git-no-prune"))));
        }
        return config;
    }

    private void put(Map<String, String> config, String key, String flag) {
        if (values.containsKey(flag)) {
            config.put(key, values.get(flag));
        }
    }
}
