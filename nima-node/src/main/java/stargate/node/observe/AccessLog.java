package stargate.node.observe;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * One JSON line per request (SPEC §11, §23) to stdout or a file.
 *
 * <p><b>The request thread never touches the disk.</b> {@link #log} formats the line and copies it into a
 * bounded buffer under a short lock (a memory copy, no syscall); when the buffer has no room, the line is
 * dropped and counted ({@code stargate_access_log_dropped_total}) instead of waiting. One platform thread,
 * the flusher, swaps the full buffer for the empty spare under the same lock (a pointer swap) and writes it
 * outside the lock, every {@value #FLUSH_MILLIS} ms or as soon as a buffer is a quarter full. So a slow,
 * full or failing disk costs lines, never request latency: a write that fails drops that buffer's lines
 * (counted, one warning a minute), and the next flush simply tries again, so logging resumes by itself when
 * space returns.
 *
 * <p>Two buffers of {@value #BUFFER_BYTES} bytes each: at ~30,000 requests/s of ~250 B lines (7.5 MB/s) a
 * buffer holds ~270 ms of lines, so the disk may stall that long before lines are dropped.
 *
 * <p>The flusher also keeps the file right ({@link LogFile}): it reopens it on {@link #reopen()} (SIGUSR1)
 * and when the path was renamed or deleted, and rotates it by size.
 *
 * <p>Sampling ({@code --access-log-sample}) keeps that share of 2xx lines, picked with
 * {@link ThreadLocalRandom}, and every other line.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
    /** How often the filling buffer is written out when traffic is light. */
    static final long FLUSH_MILLIS = 200;
    /** Bytes in each of the two buffers (the filling one and the one being written). */
    static final int BUFFER_BYTES = 2 << 20;
    /** A line that fills the buffer past this wakes the flusher before its period ends. */
    static final int WAKE_BYTES = BUFFER_BYTES / 4;
    /** How long {@link #close} waits for the last write. */
    static final long CLOSE_MILLIS = 10_000;
    /** Dropped lines are reported at most once per this period. */
    static final long WARN_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final AccessLog OFF = new AccessLog();

    private final LogFile file;
    private final double sample;
    private final LongAdder dropped = new LongAdder();
    private final Thread flusher;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: the buffer request threads copy lines into, its fill and its line count. */
    private byte[] filling;
    private int filled;
    /** Owned by the flusher: the buffer it writes; swapped with {@link #filling}. */
    private byte[] spare;
    private volatile boolean reopenRequested;
    private volatile boolean closed;
    // flusher state
    private boolean cutLine;
    private String lastError;
    private boolean failing;
    private long warnedDropped;
    private long nextWarnNanos = System.nanoTime();

    private AccessLog() {
        file = null;
        sample = 1;
        flusher = null;
    }

    private AccessLog(LogFile file, double sample) {
        this.file = file;
        this.sample = sample;
        this.filling = new byte[BUFFER_BYTES];
        this.spare = new byte[BUFFER_BYTES];
        this.flusher = new Thread(this::runFlusher, "access-log-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /** @param target {@code stdout}, {@code off}, or a file path (appended to) */
    public static AccessLog open(String target) {
        return open(new AccessLogOptions(target, 0, 10, false, 1));
    }

    /** Opens the log as {@code options} say. */
    public static AccessLog open(AccessLogOptions options) {
        if (options.off()) {
            return OFF;
        }
        if (options.file() == null) {
            return new AccessLog(LogFile.stdout(), options.sample());
        }
        try {
            return new AccessLog(LogFile.open(options), options.sample());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open access log " + options.target(), e);
        }
    }

    public boolean enabled() {
        return file != null;
    }

    /**
     * Whether a request that ended with {@code status} gets a line: always when the log is on and the status
     * is not 2xx; for 2xx with the sampling ratio's probability. Call before building the {@link Entry}.
     */
    public boolean keeps(int status) {
        if (file == null) {
            return false;
        }
        return sample >= 1 || status < 200 || status > 299 || ThreadLocalRandom.current().nextDouble() < sample;
    }

    /** Lines dropped so far because the buffer was full or the disk failed. */
    public long dropped() {
        return dropped.sum();
    }

    /** Closes and reopens the file on the flusher thread, soon (SIGUSR1, after logrotate renamed it). */
    public void reopen() {
        if (file != null && file.path() != null) {
            reopenRequested = true;
            LockSupport.unpark(flusher);
        }
    }

    /**
     * Writes one line describing a finished request (sampling is {@link #keeps}'s job). Never blocks on I/O:
     * when the buffer is full the line is dropped and counted.
     */
    public void log(Entry e) {
        if (file == null) {
            return;
        }
        StringBuilder line = new StringBuilder(320);
        line.append("{\"time\":\"").append(Instant.ofEpochMilli(e.startMillis())).append('"');
        field(line, "request_id", e.requestId());
        field(line, "route", e.route());
        field(line, "upstream", e.upstream());
        field(line, "target", e.target());
        field(line, "method", e.method());
        field(line, "path", e.path());
        line.append(",\"status\":").append(e.status());
        line.append(",\"bytes\":").append(e.bytes());
        line.append(",\"duration_ms\":");
        millis(line, e.totalNanos());
        if (e.upstreamNanos() >= 0) {
            line.append(",\"upstream_ms\":");
            millis(line, e.upstreamNanos());
        }
        field(line, "client_ip", e.clientIp());
        if (e.bytesReceived() >= 0) {
            line.append(",\"bytes_received\":").append(e.bytesReceived());
        }
        field(line, "trace_id", e.traceId());
        field(line, "span_id", e.spanId());
        if (e.grpcStatus() >= 0) {
            line.append(",\"grpc_status\":").append(e.grpcStatus());      // the call's method is its path
        }
        line.append("}\n");
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        boolean wake;
        lock.lock();
        try {
            int at = filled;
            if (at + bytes.length > filling.length) {
                dropped.increment();
                return;
            }
            System.arraycopy(bytes, 0, filling, at, bytes.length);
            filled = at + bytes.length;
            wake = at < WAKE_BYTES && filled >= WAKE_BYTES;
        } finally {
            lock.unlock();
        }
        if (wake) {
            LockSupport.unpark(flusher);
        }
    }

    /** Milliseconds with three decimals ({@code 12.034}), without {@code String.format} (~1 µs a call). */
    private static void millis(StringBuilder line, long nanos) {
        long micros = nanos / 1000;
        long fraction = micros % 1000;
        line.append(micros / 1000).append('.');
        if (fraction < 100) {
            line.append('0');
        }
        if (fraction < 10) {
            line.append('0');
        }
        line.append(fraction);
    }

    private static void field(StringBuilder line, String name, String value) {
        if (value == null) {
            return;
        }
        line.append(",\"").append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, line);
        line.append('"');
    }

    private void runFlusher() {
        while (!closed) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
            try {
                flush(System.nanoTime());
            } catch (RuntimeException | Error e) {
                LOG.warning("event=access_log_flush_failed error=\"" + describe(e) + '"');
            }
        }
        flush(System.nanoTime()); // lines logged while the last step ran
        file.close(CLOSE_MILLIS / 2); // a running gzip may finish meanwhile

    }

    /** One flusher step: reopen/rotate if needed, write what the buffer holds, report drops. Flusher only. */
    private void flush(long nowNanos) {
        byte[] full;
        int length;
        lock.lock();
        try {
            full = filling;
            length = filled;
            filling = spare;
            filled = 0;
            spare = full;
        } finally {
            lock.unlock();
        }
        maintain(nowNanos);
        if (length > 0) {
            write(full, length);
            maintain(nowNanos); // rotate right after the write that filled the file
        }
        long total = dropped.sum();
        if (total > warnedDropped && nowNanos - nextWarnNanos >= 0) {
            LOG.warning("event=access_log_lines_dropped dropped=" + (total - warnedDropped) + " dropped_total=" + total
                    + " path=" + (file.path() == null ? "stdout" : file.path())
                    + " reason=\"" + (lastError == null ? "buffer full (disk slower than the request rate)" : lastError)
                    + "\" note=\"requests are served; lines are dropped until the log can be written\"");
            warnedDropped = total;
            nextWarnNanos = nowNanos + WARN_NANOS;
        }
    }

    private void maintain(long nowNanos) {
        try {
            if (reopenRequested) {
                reopenRequested = false;
                file.reopen();
                LOG.info("event=access_log_reopened reason=signal path=" + file.path());
            }
            file.maintain(nowNanos);
        } catch (IOException e) {
            lastError = "cannot open " + file.path() + ": " + describe(e);
        }
    }

    private void write(byte[] bytes, int length) {
        if (cutLine && file.isOpen() && file.currentSize() == 0) {
            cutLine = false; // the cut line went with a truncation or a new file
        }
        if (cutLine && file.isOpen()) {
            // the last failed write stopped mid-line: end that line so the next one parses
            try {
                file.write(new byte[] {'\n'}, 1);
                cutLine = false;
            } catch (IOException e) {
                lost(bytes, 0, length, e);
                return;
            }
        }
        int written;
        try {
            written = file.write(bytes, length);
        } catch (IOException e) {
            lost(bytes, 0, length, e);
            return;
        }
        if (written < length) {
            cutLine = bytes[written - 1] != '\n';
            lost(bytes, written, length, new IOException("short write"));
            return;
        }
        if (failing) {
            failing = false;
            LOG.info("event=access_log_resumed path=" + file.path() + " dropped_total=" + dropped.sum());
        }
    }

    private void lost(byte[] bytes, int from, int to, IOException e) {
        int lines = 0;
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                lines++;
            }
        }
        dropped.add(lines);
        failing = true;
        lastError = "cannot write " + (file.path() == null ? "stdout" : file.path()) + ": " + describe(e);
    }

    private static String describe(Throwable e) {
        return Objects.toString(e.getMessage(), e.getClass().getSimpleName()).replace('"', '\'');
    }

    /**
     * Writes what is buffered and closes the file, waiting up to {@value #CLOSE_MILLIS} ms for the flusher
     * (a hung disk must not hang the node's stop: the lines are then lost, and a warning says so).
     */
    @Override
    public void close() {
        if (file == null || closed) {
            return;
        }
        closed = true; // the flusher runs one last flush, then closes the file
        LockSupport.unpark(flusher);
        try {
            flusher.join(CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flusher.isAlive()) {
            LOG.warning("event=access_log_close_timeout path=" + (file.path() == null ? "stdout" : file.path())
                    + " note=\"the last lines were not written: the disk did not take them within "
                    + CLOSE_MILLIS + " ms\"");
        }
    }

    /**
     * What one request did; durations in nanoseconds, {@code upstreamNanos} -1 when no upstream was called;
     * {@code traceId}/{@code spanId} the request's trace (SPEC §17), null when it has none. A WebSocket's line
     * is written when it closes: status 101, {@code totalNanos} its whole life, {@code bytes} relayed to the
     * client and {@code bytesReceived} from it (-1 on other lines).
     */
    public record Entry(long startMillis, String requestId, String route, String upstream, String target,
                        String method, String path, int status, long bytes, long totalNanos, long upstreamNanos,
                        String clientIp, long bytesReceived, String traceId, String spanId, int grpcStatus) {
        /** A request's line with no trace. */
        public Entry(long startMillis, String requestId, String route, String upstream, String target, String method,
                     String path, int status, long bytes, long totalNanos, long upstreamNanos, String clientIp) {
            this(startMillis, requestId, route, upstream, target, method, path, status, bytes, totalNanos,
                 upstreamNanos, clientIp, -1, null, null, -1);
        }

        /** A request's line; {@code grpcStatus} the {@code grpc-status} a gRPC call ended with, else -1. */
        public Entry(long startMillis, String requestId, String route, String upstream, String target, String method,
                     String path, int status, long bytes, long totalNanos, long upstreamNanos, String clientIp,
                     String traceId, String spanId, int grpcStatus) {
            this(startMillis, requestId, route, upstream, target, method, path, status, bytes, totalNanos,
                 upstreamNanos, clientIp, -1, traceId, spanId, grpcStatus);
        }

        /** A WebSocket's line, written when it closes. */
        public Entry(long startMillis, String requestId, String route, String upstream, String target, String method,
                     String path, int status, long bytes, long totalNanos, long upstreamNanos, String clientIp,
                     long bytesReceived) {
            this(startMillis, requestId, route, upstream, target, method, path, status, bytes, totalNanos,
                 upstreamNanos, clientIp, bytesReceived, null, null, -1);
        }
    }
}
