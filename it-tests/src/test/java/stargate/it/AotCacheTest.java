package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.NodeProcess;

/**
 * A JDK AOT cache the JVM cannot use (bin/stargate passes {@code -XX:AOTCache} when it has one:
 * docs/operations.md) costs the speed-up only: the JVM says why on stderr and the node starts and
 * serves as it would without one.
 */
class AotCacheTest {

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
}
