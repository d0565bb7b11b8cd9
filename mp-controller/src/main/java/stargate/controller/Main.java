package stargate.controller;

import io.helidon.microprofile.server.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import stargate.model.telemetry.LogFormat;
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
        configureLogging(options.logFormat());
        if (!options.authConfigured()) {
            LOG.warning("no auth configured (--api-keys, --jwt-issuer/--jwt-public-key): the admin API is open to "
                    + "anyone on this machine, so it listens on 127.0.0.1 only"
                    + (options.values().containsKey("host") ? " (ignoring --host " + options.values().get("host") + ")" : ""));
        }
        options.mpConfig().forEach(System::setProperty);
        // no client-initiated TLS 1.2 renegotiation on the gRPC admin port: a full handshake at the client's
        // command, again and again on one connection (the node refuses it too); an operator may set it
        System.getProperties().putIfAbsent("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        Telemetry.start(options.tracing(), version());
        return Server.create().start();
    }

    /**
     * Text: as Helidon configures it ({@code logging.properties}). JSON: Helidon MP reads that file again when its
     * container starts, which would put its text formatter back; so the file is read here, as Helidon would
     * (unless {@code java.util.logging.config.file} or {@code .class} names the operator's own), and Helidon is
     * told to leave logging alone.
     */
    private static void configureLogging(LogFormat format) {
        if (format == LogFormat.JSON) {
            if (System.getProperty("java.util.logging.config.file") == null
                    && System.getProperty("java.util.logging.config.class") == null) {
                try (InputStream properties = Main.class.getResourceAsStream("/logging.properties")) {
                    LogManager.getLogManager().readConfiguration(properties);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read logging.properties from the controller's jar", e);
                }
            }
            System.setProperty("io.helidon.logging.config.disabled", "true");
        }
        format.install(Telemetry::currentSpan);
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
