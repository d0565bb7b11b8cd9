package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/**
 * The controller's {@code /metrics} passes {@code promtool check metrics} (Debian {@code prometheus}; .ci/run
 * installs it), with the JVM under conventional names and the config revision nodes converge to.
 */
class MetricsLintTest {
    @Test
    void promtoolFindsNothingToSayAboutTheControllersMetrics() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assumeTrue(Files.isExecutable(promtool), "promtool not installed (apt-get install prometheus)");
        TestController.get().clear();
        long revision = Api.admin().post("upstreams", ObjectsApiTest.UPSTREAM).json().get("revision").asLong();
        Api.Reply reply = Api.as(null).get("/metrics");
        assertEquals(200, reply.status());
        assertTrue(reply.header("Content-Type").startsWith("text/plain; version=0.0.4"), reply.header("Content-Type"));
        String metrics = reply.body();
        assertTrue(metrics.contains("\njvm_memory_used_bytes{area=\"heap\"} "), metrics);
        assertTrue(metrics.contains("\nstargate_controller_writes_total{kind=\"upstreams\",result=\"ok\"} "), metrics);
        assertTrue(metrics.contains("\nstargate_config_revision{component=\"controller\"} " + revision + "\n"), "revision " + revision + ": " + metrics);
        assertTrue(metrics.contains("\nstargate_etcd_connected 1\n"), metrics);
        assertFalse(metrics.contains("quantile="), "no summaries with quantiles");
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals("", report.strip(), "promtool check metrics");
        assertEquals(0, check.exitValue());
    }
}
