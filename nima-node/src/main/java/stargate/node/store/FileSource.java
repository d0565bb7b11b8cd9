package stargate.node.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.codec.StreamedConfig;
import stargate.model.validate.ConfigError;
import stargate.node.config.ConfigApplier;

/**
 * Standalone mode: serves the config in one YAML file and applies each change to it without a
 * restart.
 *
 * <p>The file is polled every {@value #POLL_MILLIS} ms rather than watched with inotify: polling
 * also sees the symlink swaps of Kubernetes ConfigMaps and editors that replace the file, and a
 * stat per poll costs nothing. A change is applied once the file has been stable for one poll,
 * so a half-written file is not read; identical content is not applied twice.
 *
 * <p>The first read starts when the source is made, on a thread of its own: at 100,000 routes
 * parsing the file is the biggest part of a node's start, and it overlaps the rest of the setup
 * (plugins, metrics, compiler) that {@link #load} waits behind. With a cache directory, a restart on
 * the same file reads its {@link FileSnapshot} instead of parsing it; the config is validated and
 * compiled the same either way.
 */
public final class FileSource implements ConfigSource {
    private static final Logger LOG = Logger.getLogger(FileSource.class.getName());
    private static final long POLL_MILLIS = 250;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private final Path file;
    /** Where the parse of the file is kept for the next start; null = nowhere. */
    private final FileSnapshot snapshot;
    /** The first read, under way from the constructor until {@link #load} takes it. */
    private final FutureTask<FirstRead> firstRead;
    private ConfigApplier applier;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "config-file-watch");
        t.setDaemon(true);
        return t;
    });
    private long revision;
    private Stamp seen;
    /** SHA-256 of the content being served: a file of 100 MiB is not kept to compare with. */
    private byte[] appliedDigest;

    /**
     * Starts reading {@code file}; {@link #load} applies what it read.
     *
     * @param cacheDir where to keep the parsed file for the next start; null = nowhere
     * @param build    the node's build, part of the snapshot's key
     */
    public FileSource(Path file, Path cacheDir, String build) {
        this.file = file;
        this.snapshot = cacheDir == null ? null : new FileSnapshot(cacheDir, build);
        this.seen = Stamp.of(file);
        this.firstRead = new FutureTask<>(() -> FirstRead.of(file, snapshot));
        Thread.ofPlatform().name("config-file-read").daemon().start(firstRead);
    }

    /**
     * Applies the first read of the file through {@code applier}, which then applies every change.
     *
     * @return the errors that rejected it (empty when it is being served)
     */
    public List<ConfigError> load(ConfigApplier applier) {
        this.applier = applier;
        FirstRead first;
        try {
            first = firstRead.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(new ConfigError("", "interrupted while reading " + file));
        } catch (ExecutionException e) {
            return cannotRead(e.getCause());
        }
        LOG.info("event=config_read source=file:" + file + " bytes=" + first.bytes() + " routes="
                + (first.config().malformed() ? 0 : first.config().readable().routes().size())
                + " errors=" + first.config().errors().size() + " read_ms=" + first.nanos() / 1_000_000
                + " read_cpu_ms=" + first.cpuNanos() / 1_000_000 + " from=" + (first.fromSnapshot() ? "snapshot" : "file"));
        List<ConfigError> errors = applier.applyRead(first.config(), ++revision, "file:" + file);
        if (errors.isEmpty()) {
            appliedDigest = first.digest();
            if (snapshot != null && !first.fromSnapshot()) {
                GatewayConfig parsed = first.config().readable();
                Thread.ofPlatform().name("config-snapshot-write").daemon().start(() -> snapshot.save(first.digest(), parsed));
            }
        }
        return errors;
    }

    /** Starts watching the file for changes; a file has nobody to tell the address to. */
    @Override
    public void start(Supplier<String> address, String version) {
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            Stamp now = Stamp.of(file);
            if (now.equals(seen)) {
                return;
            }
            Stamp settled = settle(now);
            if (settled != null) {
                seen = settled;
                read();
            }
        } catch (RuntimeException e) { // never let one bad poll stop the watcher
            LOG.warning("event=config_watch_error file=" + file + " error=\"" + e + "\"");
        }
    }

    /** Waits one poll period and returns the stamp if the file did not change meanwhile, else null. */
    private Stamp settle(Stamp first) {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        Stamp again = Stamp.of(file);
        return again.equals(first) ? again : null;
    }

    private List<ConfigError> read() {
        byte[] digest;
        List<ConfigError> errors;
        try {
            digest = digest(file);
            if (appliedDigest != null && MessageDigest.isEqual(digest, appliedDigest)) {
                return List.of();
            }
            errors = applier.applyFile(file, ConfigCodec.Format.YAML, ++revision, "file:" + file);
        } catch (IOException | java.io.UncheckedIOException e) {
            return cannotRead(e);
        }
        if (errors.isEmpty()) {
            appliedDigest = digest;
        }
        return errors;
    }

    private List<ConfigError> cannotRead(Throwable e) {
        LOG.warning("event=config_rejected source=file:" + file + " error=\"cannot read: " + e.getMessage()
                + "\" action=kept_previous_config");
        return List.of(new ConfigError("", "cannot read " + file + ": " + e.getMessage()));
    }

    /** One streamed pass over the file; cheap next to parsing it, and nothing is parsed when it did not change. */
    private static byte[] digest(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
        }
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The file streamed once, with the digest of the very bytes parsed (one pass for both), its size
     * and how long the read took (the startup log's read phase: wall time, and the CPU of the reading
     * thread, which tells the work from the waiting for a core at a start); or, when a snapshot of the
     * file's bytes is there, that snapshot. The file is hashed on its own only to compare with a snapshot:
     * a first start reads it once, a restart on the same bytes once (no parse), a restart after an edit twice.
     */
    private record FirstRead(StreamedConfig config, byte[] digest, long bytes, long nanos, long cpuNanos,
                             boolean fromSnapshot) {
        static FirstRead of(Path file, FileSnapshot snapshot) throws IOException {
            long started = System.nanoTime();
            long cpuStarted = CPU.getCurrentThreadCpuTime();
            long bytes = Files.size(file);
            Optional<FileSnapshot.Saved> saved = snapshot == null ? Optional.empty() : snapshot.find();
            if (saved.isPresent()) {
                byte[] digest = FileSource.digest(file);
                Optional<GatewayConfig> config = saved.get().configFor(digest);
                if (config.isPresent()) {
                    return new FirstRead(new StreamedConfig(config.get(), List.of(), Map.of(), Set.of()), digest, bytes,
                            System.nanoTime() - started, CPU.getCurrentThreadCpuTime() - cpuStarted, true);
                }
            }
            MessageDigest sha = sha256();
            try (Reader in = new InputStreamReader(new DigestInputStream(Files.newInputStream(file), sha),
                    StandardCharsets.UTF_8)) {
                StreamedConfig config = ConfigCodec.stream(new BufferedReader(in, 64 * 1024), ConfigCodec.Format.YAML);
                return new FirstRead(config, sha.digest(), bytes, System.nanoTime() - started,
                        CPU.getCurrentThreadCpuTime() - cpuStarted, false);
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }

    /** What a poll compares: cheap to read, changes whenever the content does in practice. */
    private record Stamp(long modifiedMillis, long size, Object key) {
        static Stamp of(Path file) {
            try {
                var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
                return new Stamp(attrs.lastModifiedTime().toMillis(), attrs.size(), attrs.fileKey());
            } catch (IOException e) {
                return new Stamp(-1, -1, null);
            }
        }
    }
}
