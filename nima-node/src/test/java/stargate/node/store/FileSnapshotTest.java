package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;

/** The snapshot of a parsed file: used only when it is ours, intact and of these very bytes; else ignored with a line. */
class FileSnapshotTest {
    private static final GatewayConfig CONFIG = ConfigCodec.readConfig("""
            routes:
              - {id: r1, paths: ["/a", "/b/{id}"], upstream: u1, plugins: {rate-limit: {rate: 5}}}
            upstreams:
              - {id: u1, targets: [{url: "http://127.0.0.1:9"}]}
            consumers:
              - {id: alice, key_auth: {key: "k-0123456789"}}
            """, ConfigCodec.Format.YAML).orElseThrow();
    private static final byte[] DIGEST = new byte[32];
    private static final byte[] OTHER_DIGEST = new byte[32];

    static {
        OTHER_DIGEST[0] = 1;
    }

    @TempDir
    Path dir;
    private Path cache;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        cache = dir.resolve("cache");
        Logger.getLogger(FileSnapshot.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(FileSnapshot.class.getName()).removeHandler(capture);
    }

    @Test
    void aSavedConfigLoadsBackForTheSameBytesOnly() throws Exception {
        FileSnapshot snapshot = new FileSnapshot(cache, "1.0");
        assertTrue(load(snapshot, DIGEST).isEmpty(), "none yet");
        assertTrue(lines.isEmpty(), "no snapshot yet is not worth a line: " + lines);
        snapshot.save(DIGEST, CONFIG);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot.file())));
        try (var files = Files.list(cache)) {
            assertEquals(List.of(snapshot.file()), files.toList(), "no temp file left");
        }
        assertEquals(CONFIG, load(snapshot, DIGEST).orElseThrow());
        assertTrue(load(snapshot, OTHER_DIGEST).isEmpty(), "another file's bytes");
        assertTrue(new FileSnapshot(cache, "1.1").find().isEmpty(), "another build: nothing to hash the file for");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("event=config_snapshot result=stale")), lines.toString());
    }

    @Test
    void aChangedByteAnywhereIsIgnored() throws Exception {
        FileSnapshot snapshot = new FileSnapshot(cache, "1.0");
        snapshot.save(DIGEST, CONFIG);
        byte[] good = Files.readAllBytes(snapshot.file());
        for (int i = 0; i < good.length; i += Math.max(1, good.length / 50)) {
            byte[] bad = good.clone();
            bad[i] ^= 1;
            Files.write(snapshot.file(), bad);
            assertTrue(load(snapshot, DIGEST).isEmpty(), "byte " + i);
        }
        Files.write(snapshot.file(), java.util.Arrays.copyOf(good, good.length / 2));
        assertTrue(load(snapshot, DIGEST).isEmpty(), "truncated");
        assertTrue(lines.stream().anyMatch(l -> l.contains("result=ignored") && l.contains("why=corrupt")), lines.toString());
    }

    @Test
    void aSnapshotOthersCanWriteOrALinkIsIgnored() throws Exception {
        FileSnapshot snapshot = new FileSnapshot(cache, "1.0");
        snapshot.save(DIGEST, CONFIG);
        Files.setPosixFilePermissions(snapshot.file(), PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(load(snapshot, DIGEST).isEmpty(), "file writable by others");
        Files.setPosixFilePermissions(snapshot.file(), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(load(snapshot, DIGEST).isEmpty(), "directory writable by others: anyone could swap the file");
        snapshot.save(OTHER_DIGEST, CONFIG);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("event=config_snapshot result=not_saved")), lines.toString());
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
        assertEquals(CONFIG, load(snapshot, DIGEST).orElseThrow(), "the refused save left the good one");

        Path elsewhere = Files.move(snapshot.file(), dir.resolve("elsewhere.bin"));
        Files.createSymbolicLink(snapshot.file(), elsewhere);
        assertTrue(load(snapshot, DIGEST).isEmpty(), "a symlink");
        assertTrue(lines.stream().filter(l -> l.contains("result=ignored") && l.contains("why=untrusted")).count() >= 3,
                lines.toString());
    }

    /** Needs root to give the file away (CI may not run as root). */
    @Test
    void aSnapshotOfAnotherUserIsIgnored() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root to chown");
        FileSnapshot snapshot = new FileSnapshot(cache, "1.0");
        snapshot.save(DIGEST, CONFIG);
        Files.setAttribute(snapshot.file(), "unix:uid", 65534);
        assertTrue(load(snapshot, DIGEST).isEmpty());
        assertTrue(lines.stream().anyMatch(l -> l.contains("why=untrusted") && l.contains("uid 65534")), lines.toString());
    }

    @Test
    void aForeignFileIsIgnored() throws Exception {
        FileSnapshot snapshot = new FileSnapshot(cache, "1.0");
        snapshot.save(DIGEST, CONFIG);
        Files.writeString(snapshot.file(), "routes: []\n".repeat(10));
        assertTrue(load(snapshot, DIGEST).isEmpty());
        assertFalse(lines.isEmpty());
    }

    /** What a start finds for a file whose bytes have {@code digest}. */
    private static Optional<GatewayConfig> load(FileSnapshot snapshot, byte[] digest) {
        return snapshot.find().flatMap(saved -> saved.configFor(digest));
    }
}
