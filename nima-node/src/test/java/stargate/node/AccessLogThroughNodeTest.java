package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log as logrotate and a busy node see it (SPEC §23), through a real node on loopback writing a
 * real file: a renamed, deleted or truncated file is noticed and written afresh without a signal, the node
 * rotates (and gzips) by size keeping N files, and sampling keeps its share of 2xx lines and every other one.
 * SIGUSR1 and a full disk need a process of their own: {@code it-tests} {@code AccessLogProcessTest}.
 */
class AccessLogThroughNodeTest {
    /**
     * The node notices within a second (the file is checked every 250 ms, LogFile.CHECK_NANOS, and written every
     * 200 ms); the test waits longer, since on a busy box its own requests can take a second each. A node that
     * never noticed (only a signal reopens the file) fails all the same.
     */
    private static final Duration NOTICED = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private TestBackend backend;
    private RunningNode node;
    private Path log;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String... flags) throws Exception {
        backend = TestBackend.start("b");
        log = dir.resolve("access.log");
        List<String> all = new java.util.ArrayList<>(List.of("--access-log", log.toString()));
        all.addAll(List.of(flags));
        node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/ok/*"], upstream: b}
                upstreams:
                  - {id: b, targets: [{url: "%s"}]}
                """.formatted(backend.url()), all.toArray(String[]::new));
    }

    private void request(String path, int expected) throws Exception {
        assertEquals(expected, node.get(path).statusCode());
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static void allJson(List<String> lines) {
        for (String line : lines) {
            assertTrue(line.startsWith("{\"time\":\"") && line.endsWith("}"), "not a whole JSON line: " + line);
        }
    }

    /** logrotate without postrotate: the file is moved away; a new one appears with the next lines. */
    @Test
    void aRenamedFileIsNoticedAndANewOneOpened() throws Exception {
        start();
        request("/ok/before", 200);
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(1, lines(log).size()));
        Path moved = dir.resolve("access.log.1");
        Files.move(log, moved);
        RunningNode.eventually(NOTICED, () -> {
            request("/ok/after", 200);
            assertTrue(lines(log).stream().anyMatch(l -> l.contains("/ok/after")), "new file has the new lines");
        });
        assertTrue(lines(moved).get(0).contains("/ok/before"), "the old lines stay in the moved file");
        allJson(lines(log));
        allJson(lines(moved));
    }

    @Test
    void aDeletedFileIsNoticedAndCreatedAgain() throws Exception {
        start();
        request("/ok/before", 200);
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(1, lines(log).size()));
        Files.delete(log);
        RunningNode.eventually(NOTICED, () -> {
            request("/ok/after", 200);
            assertTrue(lines(log).stream().anyMatch(l -> l.contains("/ok/after")));
        });
        assertFalse(lines(log).stream().anyMatch(l -> l.contains("/ok/before")));
    }

    /** logrotate's copytruncate: the file shrinks to 0 under the node; O_APPEND writes at the new end, no hole. */
    @Test
    void aTruncatedFileIsWrittenFromItsNewEnd() throws Exception {
        start();
        for (int i = 0; i < 20; i++) {
            request("/ok/before" + i, 200);
        }
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(20, lines(log).size()));
        try (FileChannel truncate = FileChannel.open(log, StandardOpenOption.WRITE)) {
            truncate.truncate(0);
        }
        request("/ok/after", 200);
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(1, lines(log).size()));
        byte[] bytes = Files.readAllBytes(log);
        assertEquals('{', bytes[0], "no hole of NULs where the old lines were");
        assertTrue(lines(log).get(0).contains("/ok/after"));
    }

    /** Reopen on demand (what SIGUSR1 calls): lines keep flowing to the path, nothing is lost. */
    @Test
    void reopeningOnDemandKeepsEveryLine() throws Exception {
        start();
        for (int i = 0; i < 10; i++) {
            request("/ok/n=" + i, 200);
            node.node.reopenAccessLog();
        }
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(10, lines(log).size()));
        allJson(lines(log));
    }

    @Test
    void sizeRotationKeepsTheNewestNFiles() throws Exception {
        start("--access-log-max-size", "4KiB", "--access-log-keep", "3");
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 30; i++) { // ~30 lines of ~200 B: more than 4 KiB a round
                request("/ok/round=" + round + "&i=" + i, 200);
            }
            Thread.sleep(300); // a flush, so each round lands in its own file
        }
        RunningNode.eventually(Duration.ofSeconds(5), () -> {
            assertTrue(Files.exists(dir.resolve("access.log.3")), "three rotated files");
            assertFalse(Files.exists(dir.resolve("access.log.4")), "no fourth");
        });
        for (int n = 1; n <= 3; n++) {
            List<String> lines = lines(dir.resolve("access.log." + n));
            assertFalse(lines.isEmpty());
            allJson(lines);
            assertTrue(Files.size(dir.resolve("access.log." + n)) >= 4096, "rotated once full");
        }
        // the newest rotated file holds later requests than the oldest
        String newest = lines(dir.resolve("access.log.1")).getLast();
        String oldest = lines(dir.resolve("access.log.3")).getLast();
        assertTrue(round(newest) > round(oldest), newest + " vs " + oldest);
        assertTrue(round(oldest) >= 2, "the first rounds' files are gone: " + oldest);
    }

    private static int round(String line) {
        int at = line.indexOf("round=") + "round=".length();
        return line.charAt(at) - '0';
    }

    @Test
    void rotatedFilesAreGzippedOffTheRequestPath() throws Exception {
        start("--access-log-max-size", "4KiB", "--access-log-keep", "2", "--access-log-compress", "gzip");
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 30; i++) {
                request("/ok/round=" + round + "&i=" + i, 200);
            }
            Thread.sleep(300);
        }
        RunningNode.eventually(Duration.ofSeconds(5), () -> {
            assertTrue(Files.exists(dir.resolve("access.log.1.gz")));
            assertTrue(Files.exists(dir.resolve("access.log.2.gz")));
            assertFalse(Files.exists(dir.resolve("access.log.1")), "the plain copy is removed once compressed");
            assertFalse(Files.exists(dir.resolve("access.log.3.gz")));
        });
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("access.log.1.gz")))) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertTrue(lines.size() >= 10, "a whole rotated file: " + lines.size());
            allJson(lines);
        }
    }

    @Test
    void samplingKeepsItsShareOf2xxAndEveryOtherLine() throws Exception {
        start("--access-log-sample", "0.1");
        int ok = 600;
        int missing = 40;
        for (int i = 0; i < ok; i++) {
            request("/ok/i=" + i, 200);
        }
        for (int i = 0; i < missing; i++) {
            request("/nothing-here?i=" + i, 404);
        }
        RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(missing,
                lines(log).stream().filter(l -> l.contains("\"status\":404")).count(), "every 404 is kept"));
        long kept = lines(log).stream().filter(l -> l.contains("\"status\":200")).count();
        // 10% of 600 = 60, standard deviation ~7.3: 30..95 is more than 4 of them either side
        assertTrue(kept >= 30 && kept <= 95, "2xx lines kept: " + kept + " of " + ok);
    }

    @Test
    void theDropCounterIsExportedFromTheStart() throws Exception {
        start();
        request("/ok/x", 200);
        String metrics = node.adminGet("/metrics").body();
        assertTrue(metrics.contains("\nstargate_access_log_dropped_total 0\n"), metrics);
        assertTrue(metrics.contains("# TYPE stargate_access_log_dropped_total counter"), metrics);
    }
}
