package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.NodeProcess;

/**
 * The access log of a real node process (SPEC §23): SIGUSR1 reopens the file (logrotate's
 * {@code postrotate kill -USR1}) and never kills the process, and a full disk, here a file-size limit
 * ({@code ulimit -f}: writes past it fail with EFBIG), fails no request, counts the dropped lines in
 * {@code stargate_access_log_dropped_total} and lets logging resume once there is room again.
 */
class AccessLogProcessTest {
    private static final Pattern DROPPED = Pattern.compile("(?m)^stargate_access_log_dropped_total (\\d+)");

    @TempDir
    Path dir;
    private HttpServer backend;
    private Path config;
    private Path log;

    @BeforeEach
    void backend() throws IOException {
        backend = Backend.start(exchange -> "ok");
        config = Files.writeString(dir.resolve("stargate.yaml"), """
                upstreams:
                  - id: b
                    targets: [{url: "http://127.0.0.1:%d"}]
                routes:
                  - id: r
                    paths: ["/r/*"]
                    upstream: b
                """.formatted(backend.getAddress().getPort()));
        log = dir.resolve("access.log");
    }

    @AfterEach
    void stop() {
        backend.stop(0);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long dropped(NodeProcess node) {
        Matcher m = DROPPED.matcher(node.metrics());
        assertTrue(m.find(), "stargate_access_log_dropped_total is exported");
        return Long.parseLong(m.group(1));
    }

    /** logrotate with {@code create} and {@code postrotate kill -USR1}: rename, a new empty file, the signal. */
    @Test
    void sigusr1ReopensTheFileAsLogrotateExpects() throws Exception {
        try (NodeProcess node = NodeProcess.startStandalone("usr1", config, dir, List.of("--access-log", log.toString()), 0)) {
            assertEquals(200, node.get("/r/before"));
            Await.until("the first line is written", Duration.ofSeconds(5), () -> lines(log).size() == 1);

            node.signal("USR1"); // nothing moved: the node reopens the same file and lives on
            Await.until(() -> "reopened on the signal:\n" + node.logTail(), Duration.ofSeconds(5),
                    () -> node.log().contains("event=access_log_reopened reason=signal"));
            assertEquals(200, node.get("/r/same-file"));
            Await.until("the line after the signal lands in the same file", Duration.ofSeconds(5),
                    () -> lines(log).size() == 2);

            Path rotated = dir.resolve("access.log.1");
            Files.move(log, rotated);
            Files.createFile(log);
            node.signal("USR1");
            Await.until("a second reopen", Duration.ofSeconds(5),
                    () -> node.log().split("reason=signal", -1).length - 1 >= 2);
            assertEquals(200, node.get("/r/after"));
            Await.until(() -> "the new file gets the new line: " + lines(log), Duration.ofSeconds(5),
                    () -> lines(log).stream().anyMatch(l -> l.contains("\"path\":\"/r/after\"")));
            assertEquals(2, lines(rotated).size(), "the rotated file keeps its lines and gets no more");
        }
    }

    @Test
    void aFullDiskDropsAndCountsLinesFailsNoRequestAndLoggingResumes() throws Exception {
        long limitKiB = 256; // ~1,000 lines
        try (NodeProcess node = NodeProcess.startStandalone("full", config, dir,
                List.of("--access-log", log.toString()), limitKiB)) {
            int failed = 0;
            int sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // past the limit, then 300 more requests while every write fails
            int pastLimitAt = -1;
            while (sent < 20_000 && System.nanoTime() < deadline && (pastLimitAt < 0 || sent < pastLimitAt + 300)) {
                if (node.get("/r/fill-" + sent) != 200) {
                    failed++;
                }
                sent++;
                if (pastLimitAt < 0 && sent % 100 == 0 && Files.size(log) >= limitKiB * 1024) {
                    pastLimitAt = sent;
                }
            }
            assertTrue(pastLimitAt > 0, "the file reached the limit after " + sent + " requests");
            assertEquals(0, failed, "no request fails while the disk is full (" + sent + " sent)");
            Await.until(() -> "drops are counted; node log:\n" + node.logTail(), Duration.ofSeconds(5),
                    () -> dropped(node) >= 200);
            Await.until("one warning", Duration.ofSeconds(5),
                    () -> node.log().contains("event=access_log_lines_dropped"));
            assertEquals(1, node.log().split("event=access_log_lines_dropped", -1).length - 1,
                    "one warning a minute, not one per failed write");

            // space returns (as after copytruncate): the next lines are written from the new end
            try (FileChannel truncate = FileChannel.open(log, StandardOpenOption.WRITE)) {
                truncate.truncate(0);
            }
            long droppedBefore = dropped(node);
            for (int i = 0; i < 20; i++) {
                assertEquals(200, node.get("/r/resumed-" + i));
            }
            Await.until(() -> "logging resumes: " + lines(log), Duration.ofSeconds(5),
                    () -> lines(log).stream().filter(l -> l.contains("/r/resumed-")).count() == 20);
            assertEquals(droppedBefore, dropped(node), "nothing dropped once there is room");
            assertTrue(node.log().contains("event=access_log_resumed"), node.logTail());
            for (String line : lines(log)) {
                assertTrue(line.startsWith("{\"time\":") && line.endsWith("}"), "whole lines only: " + line);
            }
        }
    }
}
