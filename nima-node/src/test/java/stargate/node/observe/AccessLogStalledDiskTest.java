package stargate.node.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
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
        return entry("/stalled/" + "x".repeat(150) + "/" + i);
    }

    private static AccessLog.Entry entry(String path) {
        return new AccessLog.Entry(System.currentTimeMillis(), "id", "r", "b", "http://127.0.0.1:1", "GET", path, 200,
                1024, 1_234_567, 1_000_000, "127.0.0.1", null, null, -1);
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
            // The flusher is stuck in write() for good (nothing reads the pipe yet), so a log() call that waited
            // for the disk would never return: the proof is that all the calls return. Their speed is not
            // asserted: on a loaded box a thread can be descheduled for a second between two calls.
            CompletableFuture<Void> logging = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < lines; i++) {
                    log.log(entry(i));
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            logging.get(60, TimeUnit.SECONDS);
            assertTrue(log.dropped() > lines / 2, "most lines dropped: " + log.dropped());

            // the disk comes back: drain the pipe; once the flusher has written out the stalled buffers, new
            // lines get through
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
            // A 100 KB probe line fits only a buffer the flusher swapped in since (the stalled one is full to
            // within a line): waited for, bounded, instead of guessing how long the drain takes on a busy box.
            AccessLog.Entry probe = entry("/" + "p".repeat(100_000));
            long droppedBefore = log.dropped();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                log.log(probe);
                if (log.dropped() == droppedBefore) {
                    break;
                }
                droppedBefore = log.dropped();
                Thread.sleep(50);
            }
            for (int i = 0; i < 100; i++) {
                log.log(entry(i));
            }
            log.close();
            assertEquals(droppedBefore, log.dropped(), "nothing dropped once the disk takes writes again");
            drainer.interrupt();
        }
    }
}
