package stargate.controller;

import io.helidon.microprofile.server.Server;
import java.util.Arrays;
import java.util.logging.Logger;
import stargate.controller.telemetry.Telemetry;

/**
 * Entry point of the control plane: {@code java -jar stargate-controller.jar --etcd URLS ...}
 * (flags in {@link Options}). Turns the flags into MicroProfile config (system properties, which
 * outrank {@code microprofile-config.properties}) and starts Helidon MP.
 */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--version")) {
            System.out.println("stargate-controller " + version());
            return;
        }
        Options options;
        try {
            options = Options.parse(args, System.getenv());
        } catch (Options.UsageException e) {
            System.err.println("stargate controller: " + e.getMessage());
            System.exit(2);
            return;
        }
        Server server = start(options);
        LOG.info(() -> "stargate-controller " + version() + " serving the admin API on http://" + options.host() + ":"
                + server.port() + "/api/v1 (etcd " + options.values().get("etcd") + ")");
    }

    /** Starts the controller in this JVM and returns the running server (tests stop it). */
    public static Server start(Options options) {
        if (!options.authConfigured()) {
            LOG.warning("no auth configured (--api-keys, --jwt-issuer/--jwt-public-key): the admin API is open to "
                    + "anyone on this machine, so it listens on 127.0.0.1 only"
                    + (options.values().containsKey("host") ? " (ignoring --host " + options.values().get("host") + ")" : ""));
        }
        options.mpConfig().forEach(System::setProperty);
        Telemetry.start(options.tracing(), version());
        return Server.create().start();
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
