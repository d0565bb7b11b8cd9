package stargate.node.plugin.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.node.Node;
import stargate.node.NodeOptions;
import stargate.node.plugin.LoopbackUpstream;
import stargate.node.plugin.PluginRegistry;

/** The example plugin packed as a plugin jar: found in the plugins directory, validated, and run by a node. */
class GreetingPluginJarTest {
    @TempDir
    Path dir;

    /** Packs this package's classes and the service entry into {@code plugins/greeting.jar}, as a plugin build would. */
    private Path pluginsDir() throws Exception {
        Path classes = Path.of(GreetingFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = classes.resolve("stargate/node/plugin/example");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (OutputStream file = Files.newOutputStream(plugins.resolve("greeting.jar"));
             JarOutputStream jar = new JarOutputStream(file);
             Stream<Path> files = Files.list(pkg)) {
            for (Path cls : files.filter(p -> p.toString().endsWith(".class") && !p.toString().contains("Test")).toList()) {
                jar.putNextEntry(new JarEntry("stargate/node/plugin/example/" + cls.getFileName()));
                jar.write(Files.readAllBytes(cls));
            }
            jar.putNextEntry(new JarEntry("META-INF/services/stargate.node.plugin.PluginFactory"));
            jar.write((GreetingFactory.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return plugins;
    }

    @Test
    void aJarInThePluginsDirectoryAddsItsPlugin() throws Exception {
        assertFalse(PluginRegistry.load(dir.resolve("none")).names().contains("greeting"), "not on the class path by itself");
        assertTrue(PluginRegistry.load(pluginsDir()).names().contains("greeting"));
    }

    @Test
    void aNodeRunsThePluginFromTheJarAndValidatesItsConfig() throws Exception {
        Path plugins = pluginsDir();
        try (LoopbackUpstream upstream = new LoopbackUpstream("main")) {
            String yaml = """
                    routes: [{id: r, paths: ["/*"], upstream: u, plugins: {greeting: {message: hello}}}]
                    upstreams: [{id: u, targets: [{url: "%s"}]}]
                    """.formatted(upstream.url());
            Files.writeString(dir.resolve("ok.yaml"), yaml);
            Files.writeString(dir.resolve("bad.yaml"), yaml.replace("message: hello", "header: X-Hi"));
            IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Node.start(options("bad.yaml", plugins)));
            assertTrue(refused.getMessage().contains("routes[0].plugins.greeting.message"), refused.getMessage());
            try (Node node = Node.start(options("ok.yaml", plugins))) {
                HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("hello", response.headers().firstValue("X-Greeting").orElse(null));
            }
        }
    }

    private NodeOptions options(String file, Path plugins) {
        return NodeOptions.parse(List.of("--config", dir.resolve(file).toString(), "--host", "127.0.0.1", "--port", "0",
                "--https-port", "0", "--admin-port", "0", "--access-log", "off", "--plugins-dir", plugins.toString()),
                Map.of());
    }
}
