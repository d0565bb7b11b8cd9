package stargate.model.tool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;

/**
 * Offline config commands, the main class of {@code stargate-model.jar}:
 * {@code validate FILE}, {@code explain FILE|--etcd URLS [--prefix P] METHOD URL [-H 'Name: value']...},
 * {@code --version}.
 *
 * <p>Exit codes: 0 valid / done, 1 invalid config (each error on stderr, {@code path: message})
 * or no route matches, 2 usage error or unreadable file, 3 etcd unreachable (explain --etcd).
 */
public final class ConfigTool {
    static final int OK = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;
    private static final String USAGE_TEXT = """
            usage: stargate validate FILE
                   stargate explain FILE|--etcd URLS [--prefix /stargate] METHOD URL [-H 'Name: value']...
                   stargate --version""";

    private ConfigTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the process exit code */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "" : args[0];
        return switch (command) {
            case "validate" -> args.length == 2 ? validate(Path.of(args[1]), out, err) : usage(err);
            case "explain" -> ExplainCommand.run(Arrays.copyOfRange(args, 1, args.length));
            case "--version" -> {
                out.println("stargate " + version());
                yield OK;
            }
            case "--help", "-h" -> {
                out.println(USAGE_TEXT);
                yield OK;
            }
            default -> usage(err);
        };
    }

    private static int validate(Path file, PrintStream out, PrintStream err) {
        Validated<GatewayConfig> result;
        try {
            result = ConfigValidator.create().check(Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8),
                    ConfigCodec.Format.ofFileName(file.getFileName().toString()));
        } catch (IOException | java.io.UncheckedIOException e) {
            err.println("validate: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            return USAGE;
        }
        if (!result.isValid()) {
            result.errors().stream().map(ConfigError::toString).forEach(err::println);
            return INVALID;
        }
        GatewayConfig config = result.value();
        out.println("OK: " + Kind.ROUTE.count(config.routes().size())
                + ", " + Kind.UPSTREAM.count(config.upstreams().size())
                + ", " + Kind.CONSUMER.count(config.consumers().size())
                + ", " + Kind.CERTIFICATE.count(config.certificates().size())
                + ", " + Kind.GLOBAL_PLUGINS.count(config.globalPlugins().size()));
        return OK;
    }

    private static int usage(PrintStream err) {
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private static String version() {
        String version = ConfigTool.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
