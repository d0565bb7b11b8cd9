package stargate.controller.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import stargate.controller.store.EtcdStore;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;

/**
 * The audit log: one entry per config write, {@code <prefix>/audit/<write number>}, written in the
 * write's own transaction (so no write goes unaudited and no entry describes a write that failed),
 * the oldest trimmed in that same transaction beyond the retention count. An entry says who
 * (principal), what (each changed object, and for a change the paths of the fields that differ),
 * when, and from where (client address, or the commit of a Git apply). Its config revision is the
 * key's mod revision.
 *
 * <p>An entry holds nothing computed from a value: a digest of a stored object would include its
 * key hash, and an unsalted digest of a short API key is found offline by trying keys. So a
 * changed secret shows only as its path ({@code key_auth.key}) in {@code fields}.
 *
 * <p>Events that write no config (a rollout's start and end) are entries too, keyed after the
 * write they follow ({@link #event}); a page never ends on one, so paging by write number sees each
 * entry once.
 */
public final class AuditLog {
    public static final String FOLDER = "audit";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {
    }

    /** The audit entry of one write, to commit with it (see {@link EtcdStore#commit}). */
    public static EtcdStore.NumberedEntry entry(long number, Actor actor, Instant at, String summary, List<Change> changes) {
        ObjectNode entry = header(number, actor, at, summary);
        list(changes, entry.putArray("changes"));
        return new EtcdStore.NumberedEntry(FOLDER, number, entry.toString());
    }

    /**
     * The audit entry of an event that writes no config: a rollout started, rolled back, aborted or
     * promoted (docs/rollout.md). Logged after write {@code number} ({@link EtcdStore#event}), it
     * carries that number as its {@code sequence}, and says what happened in {@code event}.
     *
     * @param details what the event is about, e.g. {@code {rollout, canaries, reason, verdict}}
     */
    public static String event(long number, Actor actor, Instant at, String event, String summary, List<Change> changes,
                               ObjectNode details) {
        ObjectNode entry = header(number, actor, at, summary);
        entry.put("event", event);
        entry.setAll(details);
        list(changes, entry.putArray("changes"));
        return entry.toString();
    }

    /** Each change as {@code op kind id}, and for a change known before and after, the paths that differ. */
    private static void list(List<Change> changes, ArrayNode into) {
        for (Change c : changes) {
            ObjectNode item = into.addObject();
            item.put("op", c.op().name().toLowerCase(Locale.ROOT));
            item.put("kind", c.kind().key());
            item.put("id", c.id());
            if (c.op() == Change.Op.CHANGED && c.before() != null && c.after() != null) {
                ArrayNode fields = item.putArray("fields");
                changedFields(ConfigCodec.toTree(c.before()), ConfigCodec.toTree(c.after()), "", fields);
            }
        }
    }

    /** The fields audit and history entries share: sequence, at, who, source, from, note, summary. */
    public static ObjectNode header(long number, Actor actor, Instant at, String summary) {
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("sequence", number);
        entry.put("at", at.toString());
        entry.put("who", actor.principal());
        entry.put("source", actor.source().label());
        entry.put("from", actor.from());
        if (actor.commit() != null) {
            entry.put("commit", actor.commit());
        }
        if (actor.note() != null) {
            entry.put("note", actor.note());
        }
        entry.put("summary", summary);
        return entry;
    }

    /**
     * A page of the log, newest first: {@code {items: [...], next_after}}; each item gains its
     * {@code revision}. {@code next_after} is the sequence to pass as {@code after} for the next
     * (older) page, or null at the end.
     *
     * @param after only entries older than this sequence; null = from the newest
     */
    public static ObjectNode page(EtcdStore store, String folder, Long after, int limit) {
        List<EtcdStore.RawEntry> entries = new ArrayList<>(store.newest(folder, after == null ? null : EtcdStore.sequence(after),
                limit + 1));
        int end = Math.min(limit, entries.size());
        // a page ends on a write's entry, since next_after is a write number: the events that followed
        // write n sort between n and n + 1, and a page ending on one would lose write n itself
        while (end > 0 && EtcdStore.isEvent(entries.get(end - 1).name()) && end < entries.size()) {
            end++;
            if (end == entries.size()) { // keep one entry beyond the page, to tell whether one follows
                entries.addAll(store.newest(folder, entries.getLast().name(), limit + 1));
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode items = out.putArray("items");
        for (EtcdStore.RawEntry e : entries.subList(0, end)) {
            ObjectNode item = read(e);
            item.remove("config");
            item.remove("delta");
            items.add(item);
        }
        if (entries.size() > end) {
            out.put("next_after", items.get(items.size() - 1).path("sequence").asLong());
        } else {
            out.putNull("next_after");
        }
        return out;
    }

    /** An entry as stored, with its {@code revision}. */
    public static ObjectNode read(EtcdStore.RawEntry raw) {
        try {
            ObjectNode item = (ObjectNode) JSON.readTree(raw.value());
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            out.put("revision", raw.modRevision());
            out.setAll(item);
            return out;
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("log entry " + raw.name() + " does not hold a JSON object", e);
        }
    }

    /**
     * Adds the path of every field that differs, descending into maps (a list that differs is one
     * field): {@code paths}, {@code basic_auth.password}, {@code plugins.rate-limit.rate}.
     */
    private static void changedFields(JsonNode before, JsonNode after, String path, ArrayNode into) {
        if (before.isObject() && after.isObject()) {
            Set<String> names = new TreeSet<>();
            before.fieldNames().forEachRemaining(names::add);
            after.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                changedFields(before.path(name), after.path(name), path.isEmpty() ? name : path + "." + name, into);
            }
        } else if (!before.equals(after)) {
            into.add(path);
        }
    }
}
