package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's {@code /metrics} passes {@code promtool check metrics} (Debian {@code prometheus}; .ci/run installs
 * it): snake_case names, no {@code _count} gauges, no {@code quantile} series, and the JVM under the names
 * dashboards expect.
 */
class MetricsLintTest {
    @Test
    void promtoolFindsNothingToSayAboutTheNodesMetrics(@TempDir Path dir) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assumeTrue(Files.isExecutable(promtool), "promtool not installed (apt-get install prometheus)");
        try (TestBackend backend = TestBackend.start("b");
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: r, paths: ["/*"], upstream: b}
                     upstreams:
                       - {id: b, targets: [{url: "%s"}], health_check: {active: {type: http, path: /healthz, interval: 1s, timeout: 500ms}}}
                     """.formatted(backend.url()))) {
            assertEquals(200, node.get("/x").statusCode());
            String metrics = node.adminGet("/metrics").body();
            assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\"} "), "JVM meters under conventional names");
            assertTrue(metrics.contains("stargate_requests_total{route=\"r\""), metrics);
            assertFalse(metrics.contains("quantile="), "histograms only, no summaries with quantiles");
            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            check.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
            check.getOutputStream().close();
            String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, TimeUnit.SECONDS));
            assertEquals("", report.strip(), "promtool check metrics");
            assertEquals(0, check.exitValue());
        }
    }
}
