package stargate.node.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import stargate.node.Main;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * {@code stargate demo}: two small backends ("blue" on 9101, "green" on 9102) and a standalone node
 * on :8080 in front of them, configured by {@code etc/demo/demo.yaml}. Prints what to curl.
 */
public final class Demo {
    private static final int BLUE_PORT = 9101;
    private static final int GREEN_PORT = 9102;

    private Demo() {
    }

    /** @param args {@code [--config FILE]} plus any node flag (default config {@code etc/demo/demo.yaml}) */
    public static void run(List<String> args) {
        List<String> flags = new java.util.ArrayList<>(args);
        if (!flags.contains("--config")) {
            Path config = Path.of("etc/demo/demo.yaml");
            if (!Files.exists(config)) {
                throw new IllegalArgumentException("demo config not found: " + config.toAbsolutePath()
                        + " (run from the repository root, or pass --config FILE)");
            }
            flags.add("--config");
            flags.add(config.toString());
        }
        EchoBackend.start("blue", "127.0.0.1", BLUE_PORT);
        EchoBackend.start("green", "127.0.0.1", GREEN_PORT);
        Node node = Main.serve(NodeOptions.parse(flags, Map.of()));
        int port = node.port();
        System.out.println();
        System.out.println("Stargate demo: a node on :" + port + " in front of backends blue (:" + BLUE_PORT
                + ") and green (:" + GREEN_PORT + "). Try:");
        System.out.println("  curl -s localhost:" + port + "/hello              # round-robin: run it twice, blue then green");
        System.out.println("  curl -s localhost:" + port + "/api/users/42       # template route, rewritten to /users/42, blue only");
        System.out.println("  curl -s -H 'x-canary: true' localhost:" + port + "/hello   # header route: always green");
        System.out.println("  curl -s localhost:" + node.adminPort() + "/status | head -c 600; echo   # admin: status, /metrics, /health/ready");
        System.out.println("Edit etc/demo/demo.yaml while it runs: valid changes apply live. Ctrl-C drains and stops.");
    }
}
