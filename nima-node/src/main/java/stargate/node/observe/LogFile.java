package stargate.node.observe;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

/**
 * The access log's file side, used by the flusher thread alone (never by a request thread): writes,
 * reopening when the file is renamed, deleted or SIGUSR1 asks, and the node's own size rotation.
 *
 * <p><b>Reopen.</b> The file is opened with {@code O_APPEND}, so every write lands at the current end: when
 * logrotate's {@code copytruncate} empties the file under us, the next line goes to offset 0, not to a
 * hole at the old offset. At most every {@link #CHECK_NANOS} the path is stat'ed and its file key
 * (device and inode on Linux) compared with the key read when the file was opened; a different key or no
 * file means logrotate (or an operator) renamed or deleted it, and the path is opened afresh. That costs one
 * {@code stat} per check, off the request path.
 *
 * <p><b>Rotation.</b> Once the file reaches {@code maxSizeBytes}: {@code FILE.N} is deleted, {@code FILE.i}
 * becomes {@code FILE.i+1}, {@code FILE} becomes {@code FILE.1} and a new {@code FILE} is opened, all
 * renames in one directory (O(keep) renames). With gzip, {@code FILE.1} is compressed to {@code FILE.1.gz}
 * on a background thread; a rotation that comes before the previous compression finished waits for it
 * (lines then queue in the buffer and, past it, are dropped and counted), so the numbering never races.
 * The shift moves both the plain and the {@code .gz} name of each number, so a compression cut short by a
 * stop, or a change of the flag between runs, leaves no file behind.
 */
final class LogFile {
    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
    /** How often the path is compared with the open file: a rename is noticed within this plus one flush. */
    static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Path path;
    private final long maxSizeBytes;
    private final int keep;
    private final boolean gzip;
    private FileChannel channel;
    private Object key;
    private long size;
    private long nextCheckNanos = System.nanoTime();
    private ExecutorService compressor;
    private Future<?> compressing;

    private LogFile(Path path, long maxSizeBytes, int keep, boolean gzip) {
        this.path = path;
        this.maxSizeBytes = maxSizeBytes;
        this.keep = keep;
        this.gzip = gzip;
    }

    /** Standard output: never reopened nor rotated. */
    static LogFile stdout() {
        LogFile out = new LogFile(null, 0, 0, false);
        out.channel = new FileOutputStream(FileDescriptor.out).getChannel();
        return out;
    }

    /** Opens {@code options.file()} for appending, creating it. */
    static LogFile open(AccessLogOptions options) throws IOException {
        LogFile file = new LogFile(options.file(), options.maxSizeBytes(), options.keep(), options.gzip());
        file.reopen();
        return file;
    }

    Path path() {
        return path;
    }

    /** The open file's size now (fstat), or -1 when unknown. */
    long currentSize() {
        try {
            return channel == null ? -1 : channel.size();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether lines can be written now (false after a failed reopen, until one succeeds). */
    boolean isOpen() {
        return channel != null;
    }

    /**
     * Writes {@code bytes[0..length)}.
     *
     * @return bytes written: {@code length}, or fewer when the write failed part-way (the error is thrown
     *         only when nothing was written, so the caller can count what was lost)
     */
    int write(byte[] bytes, int length) throws IOException {
        if (channel == null) {
            throw new IOException("not open");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            if (buffer.position() == 0) {
                throw e;
            }
            LOG.log(Level.FINE, "partial access-log write", e);
        }
        size += buffer.position();
        return buffer.position();
    }

    /**
     * Reopens the file when the path no longer names it (renamed, deleted, replaced) or when it could not be
     * opened last time, and rotates it once it is full. Does nothing for stdout or before {@code nowNanos}
     * reaches the next check.
     *
     * @throws IOException when a needed reopen or rotation failed (it is tried again at the next check)
     */
    void maintain(long nowNanos) throws IOException {
        if (path == null) {
            return;
        }
        if (maxSizeBytes > 0 && channel != null && size >= maxSizeBytes) {
            rotate();
            return;
        }
        if (nowNanos - nextCheckNanos < 0) {
            return;
        }
        nextCheckNanos = nowNanos + CHECK_NANOS;
        Object current;
        try {
            current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            current = null;
        }
        if (channel == null || current == null || (key != null && !key.equals(current))) {
            String reason = channel == null ? "retry" : current == null ? "moved_or_deleted" : "replaced";
            reopen();
            LOG.info("event=access_log_reopened reason=" + reason + " path=" + path);
        } else {
            size = channel.size(); // copytruncate shrinks the file under us
        }
    }

    /** Closes the file and opens the path afresh (SIGUSR1, rename, delete). */
    void reopen() throws IOException {
        if (path == null) {
            return;
        }
        closeChannel();
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        size = channel.size();
    }

    private void rotate() throws IOException {
        awaitCompression(Long.MAX_VALUE);
        closeChannel();
        Files.deleteIfExists(rotated(keep, false));
        Files.deleteIfExists(rotated(keep, true));
        for (int i = keep - 1; i >= 1; i--) {
            for (boolean gz : new boolean[] {false, true}) {
                if (Files.exists(rotated(i, gz))) {
                    Files.move(rotated(i, gz), rotated(i + 1, gz), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (keep == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.move(path, rotated(1, false), StandardCopyOption.REPLACE_EXISTING);
        }
        reopen();
        LOG.info("event=access_log_rotated path=" + path + " keep=" + keep + " gzip=" + gzip);
        if (gzip && keep > 0) {
            if (compressor == null) {
                compressor = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "access-log-gzip");
                    t.setDaemon(true);
                    t.setPriority(Thread.MIN_PRIORITY);
                    return t;
                });
            }
            Path plain = rotated(1, false);
            compressing = compressor.submit(() -> compress(plain));
        }
    }

    /** {@code FILE.n} or {@code FILE.n.gz}. */
    Path rotated(int n, boolean gz) {
        return path.resolveSibling(path.getFileName() + "." + n + (gz ? ".gz" : ""));
    }

    private static void compress(Path plain) {
        Path gz = plain.resolveSibling(plain.getFileName() + ".gz");
        Path part = plain.resolveSibling(plain.getFileName() + ".gz.part");
        try {
            try (InputStream in = Files.newInputStream(plain);
                 OutputStream out = new GZIPOutputStream(Files.newOutputStream(part), 65536)) {
                in.transferTo(out);
            }
            Files.move(part, gz, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(plain);
        } catch (IOException e) {
            LOG.warning("event=access_log_compress_failed path=" + plain + " error=\""
                    + Objects.toString(e.getMessage(), e.toString()).replace('"', '\'') + '"');
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the next rotation's shift leaves it behind; harmless
            }
        }
    }

    private void awaitCompression(long millis) {
        if (compressing == null) {
            return;
        }
        try {
            compressing.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // compress() logs its own failures; a timeout leaves FILE.1 uncompressed, which is fine
        }
        compressing = null;
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the data is in the kernel already or lost with the disk; nothing to do
            }
            channel = null;
        }
    }

    /** Closes the file, letting a running compression finish for up to {@code millis}. */
    void close(long millis) {
        if (path != null) {
            closeChannel();
        }
        awaitCompression(millis);
        if (compressor != null) {
            compressor.shutdownNow();
        }
    }
}
