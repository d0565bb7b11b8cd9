package stargate.node.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.codec.BinaryConfig;

/**
 * The parsed config of a standalone file, kept in {@code <cache-dir>/file-snapshot.bin} so a restart
 * with the same file reads it in a fraction of the YAML's parse (SPEC §12: a 100,000-route node starts
 * in 5 s). It is a cache of the parse only: the config read from it is validated and compiled as the
 * file's would be, and any doubt about it means the file is parsed.
 *
 * <p>It is trusted as the file is: read only when the directory and the snapshot belong to the node's
 * user and nobody else may write them, the snapshot is a regular file (no symlink), its key is this
 * build, this record schema ({@link BinaryConfig#schema()}) and the SHA-256 of the very file bytes at
 * hand, and its own SHA-256 checks out. Anything else is ignored with one log line. Written once a
 * file's config is served, in the background, owner-only (it holds what the file holds: certificate
 * keys, hashed secrets) and atomically (a temp file in the same directory, forced, then moved), and
 * only when it reads back equal to the config.
 *
 * <p>Layout: magic, the key (modified UTF-8), the payload's length and the payload
 * ({@link BinaryConfig}), then the SHA-256 of everything before it.
 */
final class FileSnapshot {
    private static final Logger LOG = Logger.getLogger(FileSnapshot.class.getName());
    static final String FILE_NAME = "file-snapshot.bin";
    private static final byte[] MAGIC = "stargate file snapshot 1\n".getBytes(StandardCharsets.US_ASCII);
    /** Far above 100 MiB of YAML's snapshot (~5 MB per 100,000 routes); a bigger file is not read into memory. */
    private static final long MAX_BYTES = 512L * 1024 * 1024;
    private static final int DIGEST_BYTES = 32;

    private final Path dir;
    private final Path file;
    /** The key up to the file's digest: this build and this record schema. */
    private final String keyPrefix;

    /** @param version the node's version; with the size and time of the jar it runs from, the build in the key */
    FileSnapshot(Path dir, String version) {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        this.keyPrefix = "build=" + version + codeStamp() + " schema=" + BinaryConfig.schema() + " file=";
    }

    /**
     * The size and modification time of the jar (or class directory) the codec runs from: a rebuilt
     * jar of one version (a development build) may read a file differently, and does not use the
     * snapshots of the one before.
     */
    private static String codeStamp() {
        try {
            Path code = Path.of(BinaryConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return "@" + Files.size(code) + "-" + Files.getLastModifiedTime(code).toMillis();
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return "@" + java.util.UUID.randomUUID(); // unknown: a key no other start has, no snapshot is used
        }
    }

    Path file() {
        return file;
    }

    /**
     * The snapshot kept here when it is trusted, intact and of this build and record schema; empty otherwise
     * (logged, except when there is no snapshot at all). Whether it is of the file at hand is
     * {@link Saved#configFor}'s question: the file is hashed only when there is a snapshot to compare with,
     * and otherwise parsed once, its digest taken on the way.
     */
    Optional<Saved> find() {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            String distrust = distrust(dir, true);
            distrust = distrust != null ? distrust : distrust(file, false);
            if (distrust != null) {
                return ignored("untrusted", distrust);
            }
            if (Files.size(file) > MAX_BYTES) {
                return ignored("too_big", Files.size(file) + " bytes");
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length < MAGIC.length + DIGEST_BYTES
                    || !MessageDigest.isEqual(Arrays.copyOfRange(bytes, bytes.length - DIGEST_BYTES, bytes.length),
                    sha256(bytes, bytes.length - DIGEST_BYTES))) {
                return ignored("corrupt", "checksum does not match");
            }
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 0, bytes.length - DIGEST_BYTES));
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                return ignored("foreign", "not a stargate file snapshot");
            }
            String key = in.readUTF();
            if (!key.startsWith(keyPrefix)) {
                return stale(key);
            }
            byte[] fileDigest = HexFormat.of().parseHex(key, keyPrefix.length(), key.length());
            int length = in.readInt();
            if (length != in.available()) {
                return ignored("corrupt", "payload length " + length);
            }
            return Optional.of(new Saved(key, fileDigest, in.readNBytes(length)));
        } catch (IOException | RuntimeException e) {
            return ignored("unreadable", String.valueOf(e.getMessage()));
        }
    }

    /** A snapshot {@link #find} trusts: the SHA-256 of the file bytes it was parsed from, and the parse, encoded. */
    final class Saved {
        private final String key;
        private final byte[] fileDigest;
        private final byte[] payload;

        private Saved(String key, byte[] fileDigest, byte[] payload) {
            this.key = key;
            this.fileDigest = fileDigest;
            this.payload = payload;
        }

        /** The config saved, when it is the parse of the file bytes with {@code digest}; empty (logged) otherwise. */
        Optional<GatewayConfig> configFor(byte[] digest) {
            if (!MessageDigest.isEqual(digest, fileDigest)) {
                return stale(key);
            }
            try {
                return Optional.of(BinaryConfig.read(payload));
            } catch (IOException | RuntimeException e) {
                return ignored("unreadable", String.valueOf(e.getMessage()));
            }
        }
    }

    /**
     * Saves {@code config}, the parse of the file bytes with {@code fileDigest}, for the next start;
     * failures are logged, never thrown (the node serves the same either way). Called off the start's path.
     */
    void save(byte[] fileDigest, GatewayConfig config) {
        try {
            byte[] payload = BinaryConfig.write(config);
            if (!BinaryConfig.read(payload).equals(config)) { // e.g. a plugin config value JSON cannot carry
                LOG.info("event=config_snapshot result=not_saved file=" + file + " reason=\"does not read back equal\"");
                return;
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            String distrust = distrust(dir, true);
            if (distrust != null) {
                LOG.warning("event=config_snapshot result=not_saved file=" + file + " reason=\"" + distrust + "\"");
                return;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeUTF(key(fileDigest));
            out.writeInt(payload.length);
            out.write(payload);
            out.write(sha256(bytes.toByteArray(), bytes.size()));
            OwnerOnlyFile.write(file, bytes.toByteArray());
            LOG.info("event=config_snapshot result=saved file=" + file + " bytes=" + bytes.size()
                    + " routes=" + config.routes().size());
        } catch (IOException | RuntimeException e) {
            LOG.warning("event=config_snapshot result=not_saved file=" + file + " reason=\"" + e.getMessage() + "\"");
        }
    }

    private String key(byte[] fileDigest) {
        return keyPrefix + HexFormat.of().formatHex(fileDigest);
    }

    /** Why {@code path} is not to be trusted, or null: it must be ours, not a link, and writable by us only. */
    private static String distrust(Path path, boolean directory) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (directory ? !attributes.isDirectory() : !attributes.isRegularFile()) {
            return path + " is not a " + (directory ? "directory" : "regular file");
        }
        Object owner = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        if (!(owner instanceof Integer id) || id != uid) {
            return path + " belongs to uid " + owner + ", not to the node's user (" + uid + ")";
        }
        if (attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
            return path + " is writable by others (" + PosixFilePermissions.toString(attributes.permissions()) + ")";
        }
        return null;
    }

    /** A snapshot of another build, schema or file content: expected after an upgrade or an edit, so info. */
    private <T> Optional<T> stale(String key) {
        LOG.info("event=config_snapshot result=stale file=" + file + " key=\"" + key + "\"");
        return Optional.empty();
    }

    private <T> Optional<T> ignored(String result, String reason) {
        LOG.warning("event=config_snapshot result=ignored file=" + file + " why=" + result + " reason=\"" + reason + "\"");
        return Optional.empty();
    }

    private static byte[] sha256(byte[] bytes, int length) {
        MessageDigest sha = FileSource.sha256();
        sha.update(bytes, 0, length);
        return sha.digest();
    }
}
