package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.node.config.ConfigApplier;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.SnapshotCompiler;
import stargate.node.observe.Metrics;
import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;

/** The standalone file source: its first read (started when the source is made), then the poller. */
class FileSourceTest {
    private static final String ONE_ROUTE = """
            routes:
              - {id: r1, paths: ["/a"], upstream: u1}
            upstreams:
              - {id: u1, targets: [{url: "http://127.0.0.1:9"}]}
            """;

    @TempDir
    Path dir;
    private final CurrentSnapshot current = new CurrentSnapshot();
    private SnapshotCompiler compiler;
    private FileSource source;

    private ConfigApplier applier() {
        Metrics metrics = new Metrics(io.helidon.metrics.api.Metrics.globalRegistry());
        compiler = new SnapshotCompiler(metrics, new ChainCompiler(PluginRegistry.load(null),
                PluginContext.system(io.helidon.metrics.api.Metrics.globalRegistry())));
        return new ConfigApplier(current, compiler, metrics, ConfigValidator.create());
    }

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        if (compiler != null) {
            compiler.close();
        }
    }

    @Test
    void firstReadIsServedAndItsDigestKeepsAnUntouchedFileFromBeingAppliedAgain() throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), ONE_ROUTE);
        source = new FileSource(file, null, "test");
        assertEquals(List.of(), source.load(applier()));
        assertEquals(1, current.get().revision());
        assertEquals("r1", current.get().config().routes().get(0).id());

        source.start(() -> "127.0.0.1:1", "test");
        // same bytes, new modification time: the poller looks, the digest of the first read matches
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1_500); // several polls and their settling period
        assertEquals(1, current.get().revision(), "identical content is not applied again");

        Files.writeString(dir.resolve("next.yaml"), ONE_ROUTE.replace("\"/a\"", "\"/b\""));
        Files.move(dir.resolve("next.yaml"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (current.get().revision() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(2, current.get().revision(), "a changed file is applied");
        assertEquals("/b", current.get().config().routes().get(0).paths().get(0));
    }

    @Test
    void theFirstLoadLogsHowLongEachPhaseTook() throws Exception {
        LogLines log = new LogLines(FileSource.class, ConfigApplier.class);
        List<String> lines = log.lines;
        try {
            Path file = Files.writeString(dir.resolve("c.yaml"), ONE_ROUTE);
            source = new FileSource(file, null, "test");
            assertEquals(List.of(), source.load(applier()));
        } finally {
            log.close();
        }
        String read = lines.stream().filter(l -> l.startsWith("event=config_read ")).findFirst().orElseThrow();
        assertTrue(read.matches(".* bytes=" + ONE_ROUTE.length() + " routes=1 errors=0 read_ms=\\d+ read_cpu_ms=\\d+ from=file"), read);
        String applied = lines.stream().filter(l -> l.startsWith("event=config_applied ")).findFirst().orElseThrow();
        assertTrue(applied.matches(".* mode=whole compile_ms=\\d+ compile_us=\\d+ validate_ms=\\d+"), applied);
    }

    @Test
    void anInvalidFileIsRefusedWithItsLine() throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), ONE_ROUTE.replace("upstream: u1}", "upstream: u1, colour: red}"));
        source = new FileSource(file, null, "test");
        List<ConfigError> errors = source.load(applier());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).toString().contains("colour") && errors.get(0).toString().contains("line 2"),
                errors.toString());
        assertNull(current.get(), "nothing is served");
    }

    @Test
    void aMissingFileIsOneClearError() {
        Path file = dir.resolve("absent.yaml");
        source = new FileSource(file, null, "test");
        List<ConfigError> errors = source.load(applier());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).message().startsWith("cannot read " + file), errors.toString());
        assertNull(current.get());
    }

    /** With a cache directory the parse is kept, and the next start on the same bytes serves it without parsing. */
    @Test
    void aRestartOnTheSameFileReadsItsSnapshot() throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), ONE_ROUTE);
        Path cache = dir.resolve("cache");
        source = new FileSource(file, cache, "test");
        assertEquals(List.of(), source.load(applier()));
        stargate.model.GatewayConfig served = current.get().config();
        Path snapshot = cache.resolve(FileSnapshot.FILE_NAME);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(snapshot) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(snapshot), "written in the background");
        source.close();
        compiler.close();

        LogLines log = new LogLines(FileSource.class);
        List<String> lines = log.lines;
        CurrentSnapshot restarted = new CurrentSnapshot();
        try {
            Metrics metrics = new Metrics(io.helidon.metrics.api.Metrics.globalRegistry());
            compiler = new SnapshotCompiler(metrics, new ChainCompiler(PluginRegistry.load(null),
                    PluginContext.system(io.helidon.metrics.api.Metrics.globalRegistry())));
            source = new FileSource(file, cache, "test");
            assertEquals(List.of(), source.load(new ConfigApplier(restarted, compiler, metrics, ConfigValidator.create())));
        } finally {
            log.close();
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("event=config_read ") && l.endsWith(" from=snapshot")), lines.toString());
        assertEquals(served, restarted.get().config());

        // then it watches the file as after a parse: the same bytes are not applied again, a change is
        source.start(() -> "127.0.0.1:1", "test");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1_500);
        assertEquals(1, restarted.get().revision(), "the snapshot's digest is the file's");
        Files.writeString(dir.resolve("next.yaml"), ONE_ROUTE.replace("\"/a\"", "\"/b\""));
        Files.move(dir.resolve("next.yaml"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (restarted.get().revision() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("/b", restarted.get().config().routes().get(0).paths().get(0), "a changed file is applied");

        // an edited file is parsed again, with its own errors and lines, whatever the snapshot holds
        Files.writeString(file, ONE_ROUTE.replace("upstream: u1}", "upstream: u1, colour: red}"));
        source.close();
        source = new FileSource(file, cache, "test");
        List<ConfigError> errors = source.load(applier());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).toString().contains("colour") && errors.get(0).toString().contains("line 2"), errors.toString());
    }

    /**
     * A first start with a cache directory reads the file once, hashing it while parsing it, and keeps the parse
     * under the file's SHA-256. The file is a named pipe, which gives its bytes to one open only: a hash pass
     * before the parse would leave the parse waiting on the pipe for good.
     */
    @Test
    void aFirstStartWithACacheDirectoryReadsTheFileOnceAndKeepsItsParseUnderItsSha256() throws Exception {
        Path pipe = dir.resolve("c.yaml");
        assumeTrue(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor() == 0, "mkfifo");
        byte[] content = ONE_ROUTE.getBytes(StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Files.write(pipe, content);       // waits for the first reader, and gives its bytes once
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path cache = dir.resolve("cache");
        LogLines log = new LogLines(FileSource.class);
        try {
            source = new FileSource(pipe, cache, "test");
            ConfigApplier applier = applier();
            assertEquals(List.of(), assertTimeoutPreemptively(Duration.ofSeconds(60), () -> source.load(applier),
                    "a second open of the pipe waits for a writer that is gone"));
        } finally {
            log.close();
            // ends any open still waiting on the pipe (read-write opens without waiting, then closes: end of file)
            try (var unblock = java.nio.channels.FileChannel.open(pipe, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                assertTrue(unblock.isOpen());
            }
        }
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("event=config_read ") && l.endsWith(" from=file")),
                log.lines.toString());
        assertEquals("r1", current.get().config().routes().get(0).id());
        FileSnapshot snapshot = new FileSnapshot(cache, "test");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (snapshot.find().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        byte[] sha256 = java.security.MessageDigest.getInstance("SHA-256").digest(content);
        assertEquals(current.get().config(), snapshot.find().orElseThrow().configFor(sha256).orElseThrow(),
                "kept for the next start on these bytes");
    }

    /** The messages the loggers of {@code sources} log until {@link #close}. */
    private static final class LogLines extends java.util.logging.Handler {
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final List<java.util.logging.Logger> loggers;     // held: the JDK keeps loggers only weakly

        LogLines(Class<?>... sources) {
            loggers = java.util.Arrays.stream(sources).map(c -> java.util.logging.Logger.getLogger(c.getName())).toList();
            loggers.forEach(l -> l.addHandler(this));
        }

        @Override
        public void publish(java.util.logging.LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            loggers.forEach(l -> l.removeHandler(this));
        }
    }
}
