package stargate.controller.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import stargate.controller.audit.Actor;
import stargate.controller.audit.AuditLog;
import stargate.controller.store.EtcdStore;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.Validated;

/**
 * Config history: every write that changed something leaves {@code <prefix>/history/<write number>}
 * holding the whole config after it (storage form: secrets hashed, as etcd holds them) beside the
 * audit fields, written in the write's own transaction and bounded to the newest N. Its config
 * revision is the key's mod revision, so "the config as of revision R" is the newest entry whose
 * revision is at most R. A full copy per entry (not a diff) makes every kept entry restorable on
 * its own, whatever happened to the others; the price is one config's size per write. A config
 * larger than {@value #MAX_SNAPSHOT_BYTES} bytes is not copied (the entry says
 * {@code "restorable": false}), so the copy can never push a write over etcd's request limit
 * (1.5 MiB by default).
 */
public final class History {
    public static final String FOLDER = "history";
    /** The largest config copied into an entry. */
    static final int MAX_SNAPSHOT_BYTES = 512 * 1024;
    /** Entries read per page while looking for a revision. */
    private static final int PAGE = 20;

    /**
     * A kept version: the revision its write made and the config as stored.
     *
     * @param config null when the config was too large to copy
     */
    public record Version(long revision, GatewayConfig config) {
    }

    private History() {
    }

    /** The history entry of one write, to commit with it (see {@link EtcdStore#commit}). */
    public static EtcdStore.LogEntry entry(long number, Actor actor, Instant at, String summary, GatewayConfig after, int keep) {
        ObjectNode entry = AuditLog.header(number, actor, at, summary);
        com.fasterxml.jackson.databind.JsonNode config = ConfigCodec.toTree(after);
        boolean fits = config.toString().length() <= MAX_SNAPSHOT_BYTES;
        entry.put("restorable", fits);
        if (fits) {
            entry.set("config", config);
        }
        return new EtcdStore.LogEntry(FOLDER, entry.toString(), keep);
    }

    /**
     * The config as of {@code revision}: the newest kept entry at or below it. Walks the log newest
     * first, a page at a time: O(entries newer than the revision), bounded by the retention count.
     *
     * @return empty when no kept entry is that old (never written, or trimmed away)
     */
    public static Optional<Version> asOf(EtcdStore store, long revision) {
        String before = null;
        while (true) {
            List<EtcdStore.RawEntry> page = store.newest(FOLDER, before, PAGE);
            for (EtcdStore.RawEntry e : page) {
                if (e.modRevision() <= revision) {
                    ObjectNode entry = AuditLog.read(e);
                    if (!entry.has("config")) {
                        return Optional.of(new Version(e.modRevision(), null));
                    }
                    Validated<GatewayConfig> config = ConfigCodec.readConfig(entry.path("config").toString(),
                            ConfigCodec.Format.JSON);
                    if (!config.isValid()) {
                        throw new IllegalStateException("history entry " + e.name() + " holds an unreadable config: "
                                + config.errors());
                    }
                    return Optional.of(new Version(e.modRevision(), config.value()));
                }
            }
            if (page.size() < PAGE) {
                return Optional.empty();
            }
            before = page.get(page.size() - 1).name();
        }
    }
}
