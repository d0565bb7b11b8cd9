package stargate.controller;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The controller's command line (SPEC §2): {@code --etcd URLS [--prefix /stargate] [--host H]
 * [--port 9080] [--api-keys FILE] [--jwt-issuer ISS --jwt-public-key PEM_FILE]}. Every flag also
 * has an env var ({@code --api-keys} is {@code STARGATE_API_KEYS}); flags win.
 *
 * @param values flag name (without {@code --}) to value
 */
record Options(Map<String, String> values) {
    static final List<String> FLAGS = List.of("etcd", "prefix", "host", "port", "api-keys", "jwt-issuer", "jwt-public-key");
    private static final String LOOPBACK = "127.0.0.1";

    /** A command line that cannot run; the message says why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args, Map<String, String> env) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String flag : FLAGS) {
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
            if (name.startsWith("git")) {
                throw new UsageException(arg + ": GitOps is not available in this version of the controller");
            }
            if (!FLAGS.contains(name)) {
                throw new UsageException("unknown argument " + arg + "; flags: --" + String.join(" --", FLAGS));
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
        try {
            int port = Integer.parseInt(values.getOrDefault("port", "9080"));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--port must be a port number, got " + values.get("port"));
        }
        return new Options(Map.copyOf(values));
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
        config.put("stargate.etcd", values.get("etcd"));
        config.put("stargate.prefix", values.getOrDefault("prefix", "/stargate"));
        put(config, "stargate.api-keys", "api-keys");
        put(config, "stargate.jwt.issuer", "jwt-issuer");
        put(config, "stargate.jwt.public-key", "jwt-public-key");
        return config;
    }

    private void put(Map<String, String> config, String key, String flag) {
        if (values.containsKey(flag)) {
            config.put(key, values.get(flag));
        }
    }
}
