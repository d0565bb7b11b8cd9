package stargate.node.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that stops taking writes (a hung NFS mount, a stalled device) must not slow a request: here the
 * log "file" is a FIFO nobody reads, so the flusher's write blocks for good once the pipe is full. Every
 * {@link AccessLog#log} call still returns at once; the lines that do not fit the buffer are dropped and
 * counted; once the reader drains the pipe, the lines flow again.
 */
class AccessLogStalledDiskTest {
    private static AccessLog.Entry entry(int i) {
        return new AccessLog.Entry(System.currentTimeMillis(), "id-" + i, "r", "b", "http://127.0.0.1:1", "GET",
                "/stalled/" + "x".repeat(150) + "/" + i, 200, 1024, 1_234_567, 1_000_000, "127.0.0.1", null, null, -1);
    }

    @Test
    void aStalledDiskDropsLinesInsteadOfBlockingTheRequestThread(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("access.log");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        // opened read-write so the log's open for writing does not wait for a reader; nothing reads yet
        try (RandomAccessFile reader = new RandomAccessFile(fifo.toFile(), "rw")) {
            AccessLog log = AccessLog.open(new AccessLogOptions(fifo.toString(), 0, 10, false, 1));
            int lines = 40_000; // ~12 MB: far more than a 64 KiB pipe and two 2 MiB buffers
            long slowest = 0;
            long start = System.nanoTime();
            for (int i = 0; i < lines; i++) {
                long t = System.nanoTime();
                log.log(entry(i));
                slowest = Math.max(slowest, System.nanoTime() - t);
            }
            long total = System.nanoTime() - start;
            assertTrue(log.dropped() > lines / 2, "most lines dropped: " + log.dropped());
            // no call waited for the disk (the flusher is stuck in write() for good); bounds loose for a shared box
            assertTrue(TimeUnit.NANOSECONDS.toMillis(slowest) < 500, "slowest log() " + slowest / 1000 + " µs");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(total) < 10_000, "all lines in " + total / 1_000_000 + " ms");

            // the disk comes back: drain the pipe; new lines get through
            long droppedBefore = log.dropped();
            Thread drainer = Thread.ofPlatform().daemon().start(() -> {
                byte[] buffer = new byte[1 << 16];
                try {
                    while (reader.read(buffer) > 0) {
                        // discard
                    }
                } catch (java.io.IOException ignored) {
                    // closed at the end of the test
                }
            });
            Thread.sleep(500); // the stalled buffer drains
            for (int i = 0; i < 100; i++) {
                log.log(entry(i));
            }
            log.close();
            assertEquals(droppedBefore, log.dropped(), "nothing dropped once the disk takes writes again");
            drainer.interrupt();
        }
    }
}
