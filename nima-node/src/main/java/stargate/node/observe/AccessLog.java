package stargate.node.observe;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One JSON line per request (SPEC §11) to stdout or a file.
 *
 * <p>Lines go into a 64 KiB buffer under a short lock and are flushed when it fills or every
 * {@value #FLUSH_MILLIS} ms, so logging costs a memory copy per request, not a syscall.
 */
public final class AccessLog implements AutoCloseable {
    private static final long FLUSH_MILLIS = 200;
    private static final AccessLog OFF = new AccessLog(null);

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService flusher;

    private AccessLog(OutputStream out) {
        this.out = out;
        if (out == null) {
            flusher = null;
        } else {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "access-log-flush");
                t.setDaemon(true);
                return t;
            });
            flusher.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** @param target {@code stdout}, {@code off}, or a file path (appended to) */
    public static AccessLog open(String target) {
        try {
            return switch (target) {
                case "off" -> OFF;
                case "stdout" -> new AccessLog(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 65536));
                default -> new AccessLog(new BufferedOutputStream(Files.newOutputStream(Path.of(target),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), 65536));
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open access log " + target, e);
        }
    }

    public boolean enabled() {
        return out != null;
    }

    /** Writes one line describing a finished request. */
    public void log(Entry e) {
        if (out == null) {
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
        line.append(",\"duration_ms\":").append(millis(e.totalNanos()));
        if (e.upstreamNanos() >= 0) {
            line.append(",\"upstream_ms\":").append(millis(e.upstreamNanos()));
        }
        field(line, "client_ip", e.clientIp());
        line.append("}\n");
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            out.write(bytes);
        } catch (IOException ignored) {
            // a full disk or closed stdout must not fail requests; the flusher will retry
        } finally {
            lock.unlock();
        }
    }

    private static String millis(long nanos) {
        return Long.toString(nanos / 1_000_000) + '.' + String.format("%03d", (nanos / 1000) % 1000);
    }

    private static void field(StringBuilder line, String name, String value) {
        if (value == null) {
            return;
        }
        line.append(",\"").append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, line);
        line.append('"');
    }

    private void flush() {
        lock.lock();
        try {
            out.flush();
        } catch (IOException ignored) {
            // see log()
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (out != null) {
            flusher.shutdownNow();
            flush();
        }
    }

    /** What one request did; durations in nanoseconds, {@code upstreamNanos} -1 when no upstream was called. */
    public record Entry(long startMillis, String requestId, String route, String upstream, String target,
                        String method, String path, int status, long bytes, long totalNanos, long upstreamNanos,
                        String clientIp) {
    }
}
