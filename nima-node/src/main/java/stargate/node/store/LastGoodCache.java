package stargate.node.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.Validated;

/**
 * The last good config on disk ({@code <cache-dir>/config.json}), so a node restarted while etcd is
 * down serves what it served before. One JSON document: {@code {"revision", "saved_at", "config"}},
 * the config as {@link ConfigCodec} writes it (hashed secrets and certificate keys included: the
 * file is readable by its owner only).
 *
 * <p>Writes are atomic (a temp file in the same directory, forced to disk, then moved over the old
 * one), so a crash leaves the old or the new file, never half of one. They run on one background
 * thread and coalesce: only the newest config pending is written, so a burst of applies costs one
 * write, and the applier never waits for the disk.
 */
final class LastGoodCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LastGoodCache.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE_NAME = "config.json";

    /** A saved config and the etcd revision it was applied at. */
    record Entry(GatewayConfig config, long revision) {
    }

    private final Path file;
    private final AtomicReference<Entry> pending = new AtomicReference<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "config-cache-writer");
        t.setDaemon(true);
        return t;
    });

    LastGoodCache(Path dir) {
        this.file = dir.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /** The saved config, if there is a readable one (a corrupt file is logged and ignored). */
    Optional<Entry> load() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            Validated<GatewayConfig> config = ConfigCodec.readConfig(root.path("config").toString(), ConfigCodec.Format.JSON);
            if (!config.isValid() || !root.path("revision").canConvertToLong()) {
                LOG.warning("event=config_cache_unreadable file=" + file + " errors=\"" + config.errors() + "\"");
                return Optional.empty();
            }
            return Optional.of(new Entry(config.value(), root.get("revision").asLong()));
        } catch (IOException e) {
            LOG.warning("event=config_cache_unreadable file=" + file + " error=\"" + e.getMessage() + "\"");
            return Optional.empty();
        }
    }

    /** Saves {@code config} in the background; a newer save before the write starts replaces it. */
    void save(GatewayConfig config, long revision) {
        if (pending.getAndSet(new Entry(config, revision)) == null) {
            writer.execute(this::writePending);
        }
    }

    private void writePending() {
        Entry entry = pending.getAndSet(null);
        if (entry == null) {
            return;
        }
        try {
            write(entry);
        } catch (IOException | RuntimeException e) {
            LOG.warning("event=config_cache_write_failed file=" + file + " error=\"" + e + "\"");
        }
    }

    private void write(Entry entry) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("revision", entry.revision());
        root.put("saved_at", Instant.now().toString());
        root.set("config", ConfigCodec.toTree(entry.config()));
        Files.createDirectories(file.getParent());
        OwnerOnlyFile.write(file, JSON.writeValueAsBytes(root));
    }

    /** Writes what is pending, then stops the writer. */
    @Override
    public void close() {
        writer.execute(this::writePending);
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
