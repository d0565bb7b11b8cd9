package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.NodeProcess;

/**
 * The node's JDK AOT cache (docs/operations.md, "Startup"). A cache the JVM cannot use costs the
 * speed-up only: the JVM says why on stderr and the node starts and serves as it would without one.
 * {@code bin/stargate-aot-cache} (used by bin/stargate, the systemd unit and the node image) trains a
 * cache the JVM loads, and never leaves one made for other jars in place: JDK 25 would load the old
 * classes of a rebuilt library from it.
 */
class AotCacheTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** The node's JVM options in the script's tests; the JVM refuses a cache made with other module options. */
    private static final String JVM_OPTIONS = "-Xmx256m --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED";

    @Test
    void aCacheTheJvmRefusesStillStartsTheNode(@TempDir Path dir) throws Exception {
        HttpServer backend = Backend.echoingPath();
        Path cache = Files.writeString(dir.resolve("stargate-node.aot"), "not an AOT cache, or one of another JDK");
        Path config = Files.writeString(dir.resolve("stargate.yaml"), """
                upstreams:
                  - id: echo
                    targets: [{url: "http://127.0.0.1:%d"}]
                routes:
                  - id: echo
                    paths: [/echo]
                    upstream: echo
                """.formatted(backend.getAddress().getPort()));
        try (NodeProcess node = NodeProcess.startStandalone("aot", config, dir, List.of(),
                Map.of("JDK_JAVA_OPTIONS", "-XX:AOTCache=" + cache))) {
            assertEquals(200, node.get("/echo"), node.logTail());
            assertTrue(node.log().contains("[aot") && node.log().contains("AOT cache"),
                    "the JVM reports the refused cache: " + node.logTail());
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void theScriptTrainsACacheTheJvmLoadsAndDeletesOneMadeForOtherJars(@TempDir Path dir) throws Exception {
        // a copy of the node jar and its libs/, as installed in /opt/stargate: the test rebuilds a library
        Path install = Files.createDirectories(dir.resolve("opt"));
        Path jar = Files.copy(ROOT.resolve("nima-node/target/stargate-node.jar"), install.resolve("stargate-node.jar"));
        Path libs = Files.createDirectories(install.resolve("libs"));
        try (var files = Files.list(ROOT.resolve("nima-node/target/libs"))) {
            for (Path lib : files.toList()) {
                Files.copy(lib, libs.resolve(lib.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Path cache = dir.resolve("node.aot");
        Path stamp = dir.resolve("node.aot.stamp");
        Path config = Files.writeString(dir.resolve("stargate.yaml"), """
                upstreams:
                  - id: nowhere
                    targets: [{url: "http://127.0.0.1:9"}]
                routes:
                  - id: r
                    paths: [/r]
                    upstream: nowhere
                """);
        int[] ports = freePorts(2);
        List<String> node = List.of("node", "--config", config.toString(), "--host", "127.0.0.1", "--port", Integer.toString(ports[0]),
                "--admin-port", Integer.toString(ports[1]), "--access-log", "off");

        Result trained = script(dir, "ensure", jar, cache, node);
        assertEquals(0, trained.exit(), trained.output());
        assertTrue(Files.size(cache) > 1 << 20, "a cache of the node's classes: " + Files.size(cache) + " B");
        assertEquals(0, script(dir, "check", jar, cache, List.of()).exit(), "the stamp matches the jars and the JDK");
        Result again = script(dir, "ensure", jar, cache, node);
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("matches"), "a matching cache is kept, not trained again: " + again.output());
        // AOTMode=on: the JVM fails instead of running without a cache it cannot map
        List<String> java = new ArrayList<>(List.of(JAVA));
        java.addAll(List.of(JVM_OPTIONS.split(" ")));
        java.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-jar", jar.toString(), "--version"));
        Result loaded = run(dir, java, Map.of());
        assertEquals(0, loaded.exit(), loaded.output());
        assertTrue(loaded.output().contains("stargate-node"), loaded.output());
        assertEquals(1, script(dir, "check", jar, cache, List.of(), "-Xmx256m").exit(),
                "other JVM options (here without the module options the JVM compares) make the cache stale");

        // a library rebuilt in place (an upgrade): the stamp no longer matches ...
        Path model;
        try (var files = Files.list(libs)) {
            model = files.filter(f -> f.getFileName().toString().startsWith("stargate-model")).findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(model, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        assertEquals(1, script(dir, "check", jar, cache, List.of()).exit(), "a rebuilt library makes the cache stale");
        // ... and ensure deletes the stale cache before it trains: when the training fails (here the config is
        // refused), the node starts without a cache, never with the old classes
        Files.writeString(config, "routes: [{id: r, paths: [/r], upstream: missing}]\n");
        Result failed = script(dir, "ensure", jar, cache, node);
        assertNotEquals(0, failed.exit(), failed.output());
        assertTrue(failed.output().contains("was made for another build or JDK"), failed.output());
        assertFalse(Files.exists(cache) || Files.exists(stamp), "the stale cache is gone: " + failed.output());
    }

    @Test
    void trainingRefusesAnAdminPortInUse(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path cache = Files.writeString(dir.resolve("node.aot"), "an older cache");
            Result result = script(dir, "train", ROOT.resolve("nima-node/target/stargate-node.jar"), cache,
                    List.of("node", "--config", "x.yaml", "--admin-port", Integer.toString(taken.getLocalPort())));
            assertEquals(1, result.exit(), result.output());
            assertTrue(result.output().contains("is taken"), result.output());
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result script(Path dir, String command, Path jar, Path cache, List<String> node) throws Exception {
        return script(dir, command, jar, cache, node, JVM_OPTIONS);
    }

    private static Result script(Path dir, String command, Path jar, Path cache, List<String> node, String jvmOptions)
            throws Exception {
        List<String> argv = new ArrayList<>(List.of(ROOT.resolve("bin/stargate-aot-cache").toString(), command,
                "--java", JAVA, "--jar", jar.toString(), "--cache", cache.toString()));
        if (!node.isEmpty()) {
            argv.add("--");
            argv.addAll(node);
        }
        return run(dir, argv, Map.of("STARGATE_JAVA_OPTS", jvmOptions, "STARGATE_AOT_TRAIN_TIMEOUT", "240"));
    }

    private static Result run(Path dir, List<String> argv, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("STARGATE_") || key.startsWith("JDK_JAVA_OPTIONS"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), String.join(" ", argv) + " hangs");
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
        return ports;
    }
}
