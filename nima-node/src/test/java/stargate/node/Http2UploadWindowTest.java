package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many uploads at once on one HTTP/2 connection keep the connection: the node's connection receive window gives
 * credit back exactly once. Helidon 4.5's default strategy for it shared a plain int among the streams' threads:
 * the same credit went out twice, then a WINDOW_UPDATE of 0, which a client must treat as a connection error
 * (h2load against a node process: 194 to 2,439 of 20,000 uploads failed in 4 runs of 12, and one run stalled), or
 * credit was lost until uploads stalled. The node's frame size picks Helidon's other strategy (Listeners.MAX_FRAME).
 * In-process the race is rarer: this test guards the fix rather than reproducing the bug every time.
 */
class Http2UploadWindowTest {
    @TempDir
    Path dir;

    @Test
    void h2loadUploadsOnManyStreamsPerConnectionAllSucceed() throws Exception {
        WebServer backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
        byte[] body = new byte[20_000];         // two DATA frames of 16 KiB and a bit: credit comes back in pieces
        new Random(7).nextBytes(body);
        Path bodyFile = dir.resolve("body.bin");
        Files.write(bodyFile, body);
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:%d"}]}
                """.formatted(backend.port()))) {
            for (int round = 0; round < 2; round++) {
                Process h2load = new ProcessBuilder("h2load", "-c", "4", "-m", "64", "-n", "20000", "-d", bodyFile.toString(),
                        "http://127.0.0.1:" + node.node.port() + "/upload")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                h2load.getOutputStream().close();
                String out = new String(h2load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!h2load.waitFor(120, TimeUnit.SECONDS)) {
                    h2load.destroyForcibly();
                    throw new AssertionError("h2load did not finish (a connection stalled?)");
                }
                assertEquals(0, h2load.exitValue(), out);
                assertTrue(out.contains("20000 succeeded, 0 failed, 0 errored"), "round " + round + ": " + out);
            }
        } finally {
            backend.stop();
        }
    }
}
