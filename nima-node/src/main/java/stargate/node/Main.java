package stargate.node;

import java.util.Arrays;
import java.util.List;
import stargate.node.demo.Demo;
import stargate.node.trace.Tracing;

/**
 * Entry point of the data plane: {@code node} (serve) and {@code demo} (serve in front of two
 * built-in backends). {@code bin/stargate} dispatches here.
 */
public final class Main {
    /** One line per event: time, level, logger, then the message's key=value pairs. */
    private static final String LOG_FORMAT = "%1$tFT%1$tT.%1$tLZ %4$s %3$s %5$s%6$s%n";

    private Main() {
    }

    public static void main(String[] args) {
        // By name, before any logging class loads: loading DrainAwareLogManager would initialise
        // LogManager first, and LogManager reads this property only once, in its static initialiser.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "stargate.node.DrainAwareLogManager");
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        }
        System.setProperty("user.timezone", "UTC");
        // A TLS 1.2 client could otherwise renegotiate on one connection again and again, each time a full
        // handshake (an RSA signature) at its command, past every connection limit. JSSE allows it by default
        // and reads this once, at its first server handshake; nginx and BoringSSL refuse it too (unless set).
        System.getProperties().putIfAbsent("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        String command = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        try {
            switch (command) {
                case "node" -> serve(NodeOptions.parse(rest, System.getenv()));
                case "demo" -> Demo.run(rest);
                case "--version", "version" -> System.out.println("stargate-node " + version());
                default -> {
                    System.err.println("usage: stargate-node node --config FILE [flags] | demo | --version");
                    System.exit(2);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("stargate node: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Starts a node, drains it on SIGTERM/SIGINT (the process then exits 0) and reopens its access log on SIGUSR1. */
    public static Node serve(NodeOptions options) {
        options.logFormat().install(Tracing::currentSpan);
        Node node = Node.start(options);
        onSignal("USR1", node::reopenAccessLog);
        DrainAwareLogManager.holdHandlers(); // so the JDK's shutdown hook cannot close them before the drain logs
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.drainAndStop(options.drainTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                DrainAwareLogManager.releaseHandlers();
                // A drained node exits 0 (SPEC §5), not the JVM's 143 for SIGTERM; the logs are flushed.
                Runtime.getRuntime().halt(0);
            }
        }, "drain"));
        return node;
    }

    /**
     * Runs {@code action} on the JVM's signal thread when the process gets {@code SIG<name>}. The JVM itself
     * leaves USR1 alone; with {@code -Xrs} or where the signal is taken, a warning says so and nothing else.
     */
    static void onSignal(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            java.util.logging.Logger.getLogger(Main.class.getName()).warning("event=signal_not_handled signal=SIG" + name
                    + " error=\"" + e.getMessage() + '"');
        }
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

}
