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
 * its own, whatever happened to the others; the price is one config's size per write, within
 * etcd's request limit (1.5 MiB by default) together with the write itself.
 */
public final class History {
    public static final String FOLDER = "history";
    /** Entries read per page while looking for a revision. */
    private static final int PAGE = 20;

    /** A kept config: the revision its write made and the config as stored. */
    public record Version(long revision, GatewayConfig config) {
    }

    private History() {
    }

    /** The history entry of one write, to commit with it (see {@link EtcdStore#commit}). */
    public static EtcdStore.LogEntry entry(long number, Actor actor, Instant at, String summary, GatewayConfig after, int keep) {
        ObjectNode entry = AuditLog.header(number, actor, at, summary);
        entry.set("config", ConfigCodec.toTree(after));
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
