package stargate.controller.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import stargate.controller.audit.Actor;
import stargate.controller.audit.AuditLog;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StagedApply;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;
import stargate.model.validate.Validated;

/**
 * Config history: every write that changed something leaves {@code <prefix>/history/<write number>}
 * holding what it changed (its {@code delta}: each changed object before and after, in storage
 * form: secrets hashed, as etcd holds them) beside the audit fields, written in the write's own
 * transaction and bounded to the newest N. Its config revision is the key's mod revision (writes
 * committed together share one), so "the config as of revision R" is the config after every
 * entry at or below R.
 *
 * <p>Restoring is exact: start from the config now and undo, newest first, the delta of every
 * entry above R. Every write since R has its entry (retention removes the oldest first, so the
 * entries above a kept one are all kept), and each undo checks that the object is still what the
 * entry says the write left; a config changed outside the controller is refused rather than
 * restored wrongly. Cost per write: the changed objects, not the config. Entries written before
 * deltas (a whole {@code config} copy each) still restore directly.
 */
public final class History {
    public static final String FOLDER = "history";
    /** Entries read per page while looking for a revision. */
    private static final int PAGE = 50;

    /**
     * A kept version: the revision its write made and the config as stored.
     *
     * @param config null when an old entry was too large to copy
     */
    public record Version(long revision, GatewayConfig config) {
    }

    /** The config now differs from what the history says the writes since left: it was changed outside the controller. */
    public static final class Inexact extends RuntimeException {
        Inexact(String message) {
            super(message);
        }
    }

    private History() {
    }

    /** The history entry of one write, to commit with it (see {@link EtcdStore#commit}). */
    public static EtcdStore.NumberedEntry entry(long number, Actor actor, Instant at, String summary, List<Change> changes) {
        ObjectNode entry = AuditLog.header(number, actor, at, summary);
        entry.put("restorable", true);
        ArrayNode delta = entry.putArray("delta");
        for (Change c : changes) {
            ObjectNode item = delta.addObject();
            item.put("op", c.op().name().toLowerCase(Locale.ROOT));
            item.put("kind", c.kind().key());
            item.put("id", c.id());
            item.set("before", c.before() == null ? null : ConfigCodec.toTree(c.before()));
            item.set("after", c.after() == null ? null : ConfigCodec.toTree(c.after()));
        }
        return new EtcdStore.NumberedEntry(FOLDER, number, entry.toString());
    }

    /**
     * The config as of {@code revision}, restored from {@code now} by undoing the newer entries
     * (see the class comment). Reads the log newest first, a page at a time: O(entries newer than
     * the revision), bounded by the retention count. Entries newer than {@code now} are skipped: a
     * write after it made {@code now} stale, and the fenced commit of the restore will fail and
     * retry from a fresh state.
     *
     * @return empty when no kept entry is that old (never written, or trimmed away)
     * @throws Inexact when an object differs from what an entry says its write left
     */
    public static Optional<Version> restore(EtcdStore store, long revision, Snapshot now) {
        Map<Kind, TreeMap<String, JsonNode>> config = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            TreeMap<String, JsonNode> byId = new TreeMap<>();
            now.list(kind).forEach(o -> byId.put(o.id(), ConfigCodec.toTree(o.value())));
            config.put(kind, byId);
        }
        String before = null;
        while (true) {
            List<EtcdStore.RawEntry> page = store.newest(FOLDER, before, PAGE);
            for (EtcdStore.RawEntry e : page) {
                if (e.modRevision() > now.revision()) {
                    continue;
                }
                ObjectNode entry = AuditLog.read(e);
                if (entry.has("delta_chunks")) { // a staged write: its delta is kept in chunks beside the entry
                    ArrayNode delta = entry.putArray("delta");
                    new StagedApply(store).delta(entry.path("sequence").asLong()).forEach(delta::add);
                }
                if (e.modRevision() <= revision) {
                    if (entry.has("delta")) {
                        return Optional.of(new Version(e.modRevision(), assemble(config, e.name())));
                    }
                    if (!entry.has("config")) {
                        return Optional.of(new Version(e.modRevision(), null));
                    }
                    return Optional.of(new Version(e.modRevision(), read(entry.path("config").toString(), e.name())));
                }
                if (!entry.has("delta")) {
                    throw new Inexact("history entry " + e.name() + " predates change records: restore a revision at or after it");
                }
                undo(entry, config, e.name());
            }
            if (page.size() < PAGE) {
                return Optional.empty();
            }
            before = page.get(page.size() - 1).name();
        }
    }

    private static void undo(ObjectNode entry, Map<Kind, TreeMap<String, JsonNode>> config, String name) {
        ArrayNode delta = (ArrayNode) entry.get("delta");
        for (int i = delta.size() - 1; i >= 0; i--) {
            JsonNode change = delta.get(i);
            Kind kind = kind(change.path("kind").asText(), name);
            String id = change.path("id").asText();
            JsonNode after = change.get("after");
            JsonNode current = config.get(kind).get(id);
            boolean matches = after == null || after.isNull() ? current == null : after.equals(current);
            if (!matches) {
                throw new Inexact("the config was changed outside the controller: " + kind.key()
                        + (id.isEmpty() ? "" : "/" + id) + " is not what write " + entry.path("sequence").asLong()
                        + " left; no exact restore past it");
            }
            JsonNode previous = change.get("before");
            if (previous == null || previous.isNull()) {
                config.get(kind).remove(id);
            } else {
                config.get(kind).put(id, previous);
            }
        }
    }

    private static GatewayConfig assemble(Map<Kind, TreeMap<String, JsonNode>> config, String name) {
        ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (Kind kind : List.of(Kind.ROUTE, Kind.UPSTREAM, Kind.CONSUMER, Kind.CERTIFICATE)) {
            ArrayNode list = root.putArray(kind.key());
            config.get(kind).values().forEach(list::add);
        }
        JsonNode plugins = config.get(Kind.GLOBAL_PLUGINS).get("");
        if (plugins != null) {
            root.set(Kind.GLOBAL_PLUGINS.key(), plugins);
        }
        return read(root.toString(), name);
    }

    private static GatewayConfig read(String json, String name) {
        Validated<GatewayConfig> config = ConfigCodec.readConfig(json, ConfigCodec.Format.JSON);
        if (!config.isValid()) {
            throw new IllegalStateException("history entry " + name + " restores an unreadable config: " + config.errors());
        }
        return config.value();
    }

    private static Kind kind(String key, String name) {
        for (Kind kind : Kind.values()) {
            if (kind.key().equals(key)) {
                return kind;
            }
        }
        throw new IllegalStateException("history entry " + name + " names an unknown kind " + key);
    }
}
