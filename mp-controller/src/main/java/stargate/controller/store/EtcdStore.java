package stargate.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import stargate.controller.telemetry.Telemetry;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.Validated;

/**
 * The config in etcd, one key per object (layout in {@code docs/etcd-layout.md}).
 *
 * <p>Concurrency: every config write is one etcd transaction guarded by two compares: the write
 * fence (the {@code last_change} key, rewritten by every config write) still has the mod revision
 * the writer's snapshot saw, and each written key still has the mod revision the writer expects
 * (its {@code If-Match}, or what the snapshot saw). So a write commits only against the exact
 * config it was validated against; no read-then-write race can slip a dangling reference or a
 * lost update past validation. A failed compare returns no revision, and the caller re-reads and
 * retries. Every call waits at most the store's timeout; then it fails with
 * {@link StoreUnavailableException} instead of hanging a request. Thread-safe.
 */
public final class EtcdStore implements AutoCloseable {
    /** An object id as SPEC §3 defines it; anything else never becomes part of a key. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final String LAST_CHANGE = "last_change";
    static final String NODES = "nodes";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The whole config is read in one transaction: 100,000 objects are ~30 MB, gRPC's default cap is 4 MiB. */
    private static final int MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

    /** One object to write ({@code value} non-null) or delete, with the mod revision its key must still have (0 = absent). */
    public record Write(Kind kind, String id, Object value, Meta meta, long expectedModRevision) {
    }

    /**
     * One key beside the config.
     *
     * @param name        the last part of the key ({@code 00000000000000000042} for a log entry)
     * @param modRevision the revision that wrote it: for a log entry, the config revision of its write
     */
    public record RawEntry(String name, String value, long modRevision) {
    }

    /** What the node keys held at one revision. @param records node id to its JSON record */
    public record NodeRecords(long revision, Map<String, String> records) {
    }

    private final Client client;
    private final String prefix;
    private final Duration timeout;

    private EtcdStore(Client client, String prefix, Duration timeout) {
        this.client = client;
        this.prefix = prefix;
        this.timeout = timeout;
    }

    /**
     * @param endpoints etcd URLs, e.g. {@code http://127.0.0.1:2379}
     * @param prefix    key prefix, e.g. {@code /stargate} (a trailing slash is dropped)
     * @param timeout   the most any one call waits for etcd
     */
    public static EtcdStore connect(List<String> endpoints, String prefix, Duration timeout) {
        Client client = Client.builder().endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(timeout).retryMaxDuration(timeout)
                .maxInboundMessageSize(MAX_RESPONSE_BYTES).build();
        String normalized = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return new EtcdStore(client, normalized, timeout);
    }

    /**
     * Reads every config object and the write fence at one revision: one transaction of range
     * reads, one per kind folder and the fence key, so the history, audit and node keys that share
     * the prefix are never read by a write.
     */
    public Snapshot snapshot() {
        return snapshot(false);
    }

    /**
     * {@link #snapshot()}, for a writer: refuses ({@link StagedApply.InProgress}) while a big
     * whole-config apply is in progress, since the config is then partly applied.
     */
    public Snapshot snapshot(boolean forWrite) {
        List<Op> reads = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            reads.add(kind == Kind.GLOBAL_PLUGINS ? Op.get(bytes(key(kind, "")), GetOption.DEFAULT)
                    : Op.get(bytes(key(kind, "")), GetOption.builder().isPrefix(true).build()));
        }
        reads.add(Op.get(bytes(prefix + "/" + LAST_CHANGE), GetOption.DEFAULT));
        reads.add(Op.get(bytes(prefix + "/" + StagedApply.APPLYING), GetOption.builder().withCountOnly(true).build()));
        TxnResponse response = await(client.getKVClient().txn().Then(reads.toArray(Op[]::new)).commit(),
                "reading the config");
        if (forWrite && response.getGetResponses().getLast().getCount() > 0) {
            throw new StagedApply.InProgress();
        }
        Map<Kind, Map<String, StoredObject>> objects = new EnumMap<>(Kind.class);
        long fence = 0;
        long writes = 0;
        for (GetResponse range : response.getGetResponses()) {
            for (KeyValue kv : range.getKvs()) {
                String rest = text(kv.getKey()).substring(prefix.length() + 1);
                if (rest.equals(LAST_CHANGE)) {
                    fence = kv.getModRevision();
                    writes = writesIn(kv);
                    continue;
                }
                int slash = rest.indexOf('/');
                Kind kind = kindOf(slash < 0 ? rest : rest.substring(0, slash));
                if (kind == null || (kind == Kind.GLOBAL_PLUGINS) != (slash < 0)) {
                    continue; // e.g. global_plugins_x: not ours
                }
                String id = slash < 0 ? "" : rest.substring(slash + 1);
                objects.computeIfAbsent(kind, k -> new HashMap<>()).put(id, decode(kind, id, kv));
            }
        }
        return new Snapshot(response.getHeader().getRevision(), fence, writes, objects);
    }

    /**
     * Commits a batch of writes (group commit): all of {@code writes}, the write fence and the log
     * entries in one transaction, if the fence still has {@code fenceRevision} and each written
     * key its expected mod revision. Log entries are numbered by the caller (one audit and one
     * history entry per write of the batch, numbers {@code writes + 1...}); {@code trims} gives,
     * per log folder, the oldest entry number to keep (older ones are range-deleted in the same
     * transaction).
     *
     * @param lastChange the fence's new value; must carry {@code writes}, the count after this batch
     * @return the new etcd revision, or -1 when a compare failed (re-read and retry)
     */
    public long commit(long fenceRevision, List<Write> writes, ObjectNode lastChange, List<NumberedEntry> entries,
                       Map<String, Long> trims) {
        return commit(fenceRevision, writes, lastChange, entries, trims, -1).revision();
    }

    /**
     * What a commit came to: its revision, or, when a compare failed, what changed since the
     * caller's revision (read in the same round trip, the transaction's else branch).
     *
     * @param changed the config objects written after {@code since}, at {@code snapshotRevision}
     * @param counts  how many objects of each kind exist now (deletions show as a count lower than expected)
     * @param applying a big whole-config apply is in progress ({@link StagedApply}): wait for it, or recover it
     */
    public record CommitResult(long revision, List<StoredObject> changed, Map<Kind, Long> counts, long snapshotRevision,
                               long fenceRevision, long writes, boolean applying) {
        public boolean committed() {
            return revision > 0;
        }
    }

    /**
     * {@link #commit(long, List, ObjectNode, List, Map)}; with {@code since >= 0}, a failed compare
     * also answers what changed after revision {@code since} ({@link CommitResult}), so a caller
     * holding the config at {@code since} catches up without reading it all again.
     */
    public CommitResult commit(long fenceRevision, List<Write> writes, ObjectNode lastChange, List<NumberedEntry> entries,
                               Map<String, Long> trims, long since) {
        List<Cmp> compares = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        ByteSequence fenceKey = bytes(prefix + "/" + LAST_CHANGE);
        compares.add(new Cmp(fenceKey, Cmp.Op.EQUAL, CmpTarget.modRevision(fenceRevision)));
        ByteSequence applyingKey = bytes(prefix + "/" + StagedApply.APPLYING);
        compares.add(new Cmp(applyingKey, Cmp.Op.EQUAL, CmpTarget.version(0))); // no big apply in progress
        for (Write w : writes) {
            ByteSequence key = bytes(key(w.kind(), w.id()));
            compares.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(w.expectedModRevision())));
            ops.add(w.value() == null ? Op.delete(key, DeleteOption.DEFAULT)
                    : Op.put(key, bytes(encode(w.value(), w.meta())), PutOption.DEFAULT));
        }
        ops.add(Op.put(fenceKey, bytes(lastChange.toString()), PutOption.DEFAULT));
        for (NumberedEntry entry : entries) {
            ops.add(Op.put(bytes(prefix + "/" + entry.folder() + "/" + sequence(entry.number())), bytes(entry.value()),
                    PutOption.DEFAULT));
        }
        trims.forEach((folder, oldestKept) -> {
            if (oldestKept > 1) {
                String start = prefix + "/" + folder + "/";
                ops.add(Op.delete(bytes(start), DeleteOption.builder().withRange(bytes(start + sequence(oldestKept))).build()));
            }
        });
        List<Op> otherwise = new ArrayList<>();
        if (since >= 0) {
            for (Kind kind : Kind.values()) {
                otherwise.add(Op.get(bytes(key(kind, "")), kind == Kind.GLOBAL_PLUGINS
                        ? GetOption.builder().withMinModRevision(since + 1).build()
                        : GetOption.builder().isPrefix(true).withMinModRevision(since + 1).build()));
            }
            for (Kind kind : Kind.values()) {
                otherwise.add(Op.get(bytes(key(kind, "")), kind == Kind.GLOBAL_PLUGINS
                        ? GetOption.builder().withCountOnly(true).build()
                        : GetOption.builder().isPrefix(true).withCountOnly(true).build()));
            }
            otherwise.add(Op.get(fenceKey, GetOption.DEFAULT));
        }
        otherwise.add(Op.get(applyingKey, GetOption.builder().withCountOnly(true).build()));
        TxnResponse response = await(client.getKVClient().txn()
                .If(compares.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).Else(otherwise.toArray(Op[]::new)).commit(),
                "writing the config");
        if (response.isSucceeded()) {
            return new CommitResult(response.getHeader().getRevision(), List.of(), Map.of(), 0, 0, 0, false);
        }
        List<GetResponse> gets = response.getGetResponses();
        List<StoredObject> changed = new ArrayList<>();
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        long fence = 0;
        long count = 0;
        if (since >= 0) {
            Kind[] kinds = Kind.values();
            for (int i = 0; i < kinds.length; i++) {
                for (KeyValue kv : gets.get(i).getKvs()) {
                    String rest = text(kv.getKey()).substring(prefix.length() + 1);
                    int slash = rest.indexOf('/');
                    if ((kinds[i] == Kind.GLOBAL_PLUGINS) != (slash < 0)
                            || (kinds[i] == Kind.GLOBAL_PLUGINS && !rest.equals(kinds[i].key()))) {
                        continue;
                    }
                    String id = slash < 0 ? "" : rest.substring(slash + 1);
                    changed.add(decode(kinds[i], id, kv));
                }
                counts.put(kinds[i], gets.get(kinds.length + i).getCount());
            }
            for (KeyValue kv : gets.get(2 * kinds.length).getKvs()) {
                fence = kv.getModRevision();
                count = writesIn(kv);
            }
        }
        boolean applying = gets.getLast().getCount() > 0;
        return new CommitResult(-1, changed, counts, response.getHeader().getRevision(), fence, count, applying);
    }

    Client client() {
        return client;
    }

    String prefix() {
        return prefix;
    }

    /** A log entry with its write number: {@code <prefix>/<folder>/<number, zero-padded>}. */
    public record NumberedEntry(String folder, long number, String value) {
    }

    /** The fence key's {@code writes} count; its version for a key written before the count was kept there. */
    private static long writesIn(KeyValue kv) {
        try {
            JsonNode count = JSON.readTree(text(kv.getValue())).get("writes");
            return count != null && count.canConvertToLong() ? count.asLong() : kv.getVersion();
        } catch (JsonProcessingException e) {
            return kv.getVersion();
        }
    }

    /**
     * One page of the objects of a kind, in id order, read at one revision: what the list
     * endpoints and the streamed export read, so neither holds the whole config.
     *
     * @param items    at most {@code limit} objects
     * @param more     objects follow the last one (at the same revision)
     * @param revision the etcd revision the page was read at
     */
    public record Page(List<StoredObject> items, boolean more, long revision) {
        /** The id to continue after; null when the page is empty. */
        public String lastId() {
            return items.isEmpty() ? null : items.getLast().id();
        }
    }

    /**
     * The objects of {@code kind} (not {@link Kind#GLOBAL_PLUGINS}) whose id sorts after {@code after}.
     *
     * @param after    null = from the first
     * @param revision the revision to read at; 0 = the current one (the page says which it was)
     * @throws RevisionUnavailable when {@code revision} was compacted or is in the future
     */
    public Page page(Kind kind, String after, int limit, long revision) {
        if (kind == Kind.GLOBAL_PLUGINS) {
            throw new IllegalArgumentException("global plugins are one object, not a folder");
        }
        String folder = key(kind, "");
        String start = after == null ? folder : folder + after + "\0";
        String end = prefix + "/" + kind.key() + "0"; // '0' follows '/': the end of the folder
        GetOption.Builder option = GetOption.builder().withRange(bytes(end)).withLimit(limit);
        if (revision > 0) {
            option.withRevision(revision);
        }
        GetResponse response = atRevision(() -> await(client.getKVClient().get(bytes(start), option.build()),
                "reading " + kind.key()), revision);
        List<StoredObject> items = new ArrayList<>(response.getKvs().size());
        for (KeyValue kv : response.getKvs()) {
            items.add(decode(kind, text(kv.getKey()).substring(folder.length()), kv));
        }
        return new Page(items, response.isMore(), revision > 0 ? revision : response.getHeader().getRevision());
    }

    /**
     * One object as of {@code revision}.
     *
     * @param id       empty for {@link Kind#GLOBAL_PLUGINS}
     * @param revision 0 = the current one
     * @throws RevisionUnavailable when {@code revision} was compacted or is in the future
     */
    public Optional<StoredObject> object(Kind kind, String id, long revision) {
        GetOption option = revision > 0 ? GetOption.builder().withRevision(revision).build() : GetOption.DEFAULT;
        GetResponse response = atRevision(() -> await(client.getKVClient().get(bytes(key(kind, id)), option),
                "reading " + kind.key()), revision);
        return response.getKvs().stream().findFirst().map(kv -> decode(kind, id, kv));
    }

    /**
     * What a whole read at one revision starts from: that revision, the write fence and its count,
     * without reading the objects (see {@link #page}).
     */
    public Snapshot head() {
        TxnResponse response = await(client.getKVClient().txn().Then(
                Op.get(bytes(prefix + "/" + LAST_CHANGE), GetOption.DEFAULT)).commit(), "reading the write fence");
        List<KeyValue> fence = response.getGetResponses().getFirst().getKvs();
        return new Snapshot(response.getHeader().getRevision(), fence.isEmpty() ? 0 : fence.getFirst().getModRevision(),
                fence.isEmpty() ? 0 : writesIn(fence.getFirst()), Map.of());
    }

    /** A read at a revision etcd no longer has (compacted) or does not have yet. */
    public static final class RevisionUnavailable extends RuntimeException {
        private final boolean compacted;

        RevisionUnavailable(long revision, boolean compacted, Throwable cause) {
            super("revision " + revision + (compacted ? " was compacted" : " is in the future"), cause);
            this.compacted = compacted;
        }

        /** True: etcd had it and compacted it away; false: it does not exist yet. */
        public boolean compacted() {
            return compacted;
        }
    }

    private <T> T atRevision(java.util.function.Supplier<T> read, long revision) {
        try {
            return read.get();
        } catch (StoreUnavailableException e) {
            for (Throwable cause = e; revision > 0 && cause != null; cause = cause.getCause()) {
                String message = String.valueOf(cause.getMessage()); // etcd's ErrCompacted and ErrFutureRev
                if (message.contains("required revision has been compacted")) {
                    throw new RevisionUnavailable(revision, true, e);
                }
                if (message.contains("required revision is a future revision")) {
                    throw new RevisionUnavailable(revision, false, e);
                }
            }
            throw e;
        }
    }

    /** Reads the fence key's mod revision alone: one small linearizable read, to tell whether a cached config is current. */
    public long fenceRevision() {
        GetResponse response = await(client.getKVClient().get(bytes(prefix + "/" + LAST_CHANGE)), "reading the write fence");
        return response.getKvs().isEmpty() ? 0 : response.getKvs().get(0).getModRevision();
    }

    /** A write number as a key name: zero-padded to 20 digits, so key order is number order. */
    public static String sequence(long number) {
        return String.format("%020d", number);
    }

    /** Reads one key under the prefix ({@code gitops/status}); empty when absent. */
    public Optional<RawEntry> read(String relativeKey) {
        GetResponse response = await(client.getKVClient().get(bytes(prefix + "/" + relativeKey)), "reading " + relativeKey);
        return response.getKvs().stream().findFirst().map(this::raw);
    }

    /** Puts one key under the prefix; for keys beside the config (status, suspension), never config objects. */
    public void put(String relativeKey, String value) {
        await(client.getKVClient().put(bytes(prefix + "/" + relativeKey), bytes(value)), "writing " + relativeKey);
    }

    /**
     * Replaces one key beside the config if it still has {@code modRevision} (compare-and-swap), and
     * deletes {@code deletes} in the same transaction.
     *
     * @return false when the key changed meanwhile (nothing written)
     */
    public boolean replace(String relativeKey, long modRevision, String value, List<String> deletes) {
        ByteSequence k = bytes(prefix + "/" + relativeKey);
        List<Op> ops = new ArrayList<>();
        ops.add(Op.put(k, bytes(value), PutOption.DEFAULT));
        deletes.forEach(d -> ops.add(Op.delete(bytes(prefix + "/" + d), DeleteOption.DEFAULT)));
        return await(client.getKVClient().txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                .Then(ops.toArray(Op[]::new)).commit(), "replacing " + relativeKey).isSucceeded();
    }

    /** A key beside the config that an {@link #event} expects at a mod revision (0 = absent). */
    public record Expected(String relativeKey, long modRevision) {
    }

    private static final Logger LOG = Logger.getLogger(EtcdStore.class.getName());
    /** The most attempts of an {@link #event} that keeps losing to config writes. */
    private static final int EVENT_ATTEMPTS = 20;
    /**
     * The most {@link #event} entries kept after one config write. A log trims by write number, so events
     * with no write between them (a rollout started and aborted again and again) would grow it without end;
     * past this many, each new event deletes the oldest one after the same write, in its own transaction.
     * 200: a start and an end for as many rollouts as the controller keeps (100); it also bounds an audit
     * page, which takes in every event after its last write.
     */
    static final int MAX_EVENTS_PER_WRITE = 200;

    /**
     * Changes keys beside the config (e.g. a rollout's state) and logs it as an entry of a numbered
     * log folder, in one transaction. The entry is keyed {@code <number>-<suffix>}, where number is
     * the newest config write's: it sorts after that write's entries and before the next write's, and
     * the log's number-based trim removes it with them. The transaction is fenced on
     * {@code last_change} (not written: nodes and the ETag see no config write), so no write slips
     * between reading the number and committing; a lost race is tried again.
     *
     * @param entry the entry's JSON, given the number it follows
     * @return false when an expected key was not at its revision (nothing written)
     */
    public boolean event(List<Expected> expected, Map<String, String> puts, List<String> deletes, String folder,
                         String suffix, java.util.function.LongFunction<String> entry) {
        ByteSequence fenceKey = bytes(prefix + "/" + LAST_CHANGE);
        for (int attempt = 0; attempt < EVENT_ATTEMPTS; attempt++) {
            GetResponse fence = await(client.getKVClient().get(fenceKey), "reading the write fence");
            long fenceRevision = fence.getKvs().isEmpty() ? 0 : fence.getKvs().getFirst().getModRevision();
            long number = fence.getKvs().isEmpty() ? 0 : writesIn(fence.getKvs().getFirst());
            List<Cmp> compares = new ArrayList<>();
            compares.add(new Cmp(fenceKey, Cmp.Op.EQUAL, CmpTarget.modRevision(fenceRevision)));
            expected.forEach(e -> compares.add(new Cmp(bytes(prefix + "/" + e.relativeKey()), Cmp.Op.EQUAL,
                    CmpTarget.modRevision(e.modRevision()))));
            List<Op> ops = new ArrayList<>();
            puts.forEach((key, value) -> ops.add(Op.put(bytes(prefix + "/" + key), bytes(value), PutOption.DEFAULT)));
            deletes.forEach(d -> ops.add(Op.delete(bytes(prefix + "/" + d), DeleteOption.DEFAULT)));
            String eventsAfterWrite = prefix + "/" + folder + "/" + sequence(number) + "-";
            GetResponse oldest = await(client.getKVClient().get(bytes(eventsAfterWrite), GetOption.builder().isPrefix(true)
                    .withKeysOnly(true).withLimit(1).withSortField(GetOption.SortTarget.KEY)
                    .withSortOrder(GetOption.SortOrder.ASCEND).build()), "counting the events after write " + number);
            String dropped = null;
            if (oldest.getCount() >= MAX_EVENTS_PER_WRITE && !oldest.getKvs().isEmpty()) {
                dropped = oldest.getKvs().getFirst().getKey().toString(StandardCharsets.UTF_8);
                ops.add(Op.delete(bytes(dropped), DeleteOption.DEFAULT));
            }
            ops.add(Op.put(bytes(eventsAfterWrite + suffix), bytes(entry.apply(number)), PutOption.DEFAULT));
            TxnResponse response = await(client.getKVClient().txn().If(compares.toArray(Cmp[]::new))
                    .Then(ops.toArray(Op[]::new)).Else(Op.get(fenceKey, GetOption.DEFAULT)).commit(), "writing " + puts.keySet());
            if (response.isSucceeded()) {
                if (dropped != null) {
                    LOG.warning("event=log_event_dropped folder=" + folder + " key=" + dropped.substring(prefix.length() + 1)
                            + " reason=\"over " + MAX_EVENTS_PER_WRITE + " events after write " + number + "\"");
                }
                return true;
            }
            List<KeyValue> now = response.getGetResponses().getFirst().getKvs();
            if ((now.isEmpty() ? 0 : now.getFirst().getModRevision()) == fenceRevision) {
                return false; // the fence held: an expected key moved
            }
        }
        throw new StoreUnavailableException("the config kept changing while " + puts.keySet() + " was written", null);
    }

    /** Whether a log entry's name is an {@link #event}'s ({@code <number>-<suffix>}), not a write's. */
    public static boolean isEvent(String entryName) {
        return entryName.indexOf('-') > 0;
    }

    public void delete(String relativeKey) {
        await(client.getKVClient().delete(bytes(prefix + "/" + relativeKey)), "deleting " + relativeKey);
    }

    /**
     * The newest entries of a log folder ({@code history}, {@code audit}), newest first.
     *
     * @param before only entries whose name sorts before this one (paging); null = from the newest
     * @param limit  at most this many
     */
    public List<RawEntry> newest(String folder, String before, int limit) {
        String start = prefix + "/" + folder + "/";
        String end = before == null ? prefix + "/" + folder + "0" : start + before; // '0' follows '/'
        GetResponse response = await(client.getKVClient().get(bytes(start), GetOption.builder().withRange(bytes(end))
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND)
                .withLimit(limit).build()), "reading " + folder);
        return response.getKvs().stream().map(this::raw).toList();
    }

    /** A lock on {@code relativeKey} for {@code holder}, bound to an etcd lease of {@code ttl} (see {@link Leadership}). */
    public Leadership leadership(String relativeKey, String holder, Duration ttl) {
        return new Leadership(this, client, bytes(prefix + "/" + relativeKey), holder, ttl);
    }

    private RawEntry raw(KeyValue kv) {
        String key = text(kv.getKey());
        return new RawEntry(key.substring(key.lastIndexOf('/') + 1), text(kv.getValue()), kv.getModRevision());
    }

    /** The node keys ({@code <prefix>/nodes/<id>}) and the current revision. */
    public NodeRecords nodes() {
        String folder = prefix + "/" + NODES + "/";
        GetResponse response = await(client.getKVClient().get(bytes(folder),
                GetOption.builder().isPrefix(true).build()), "reading the nodes");
        Map<String, String> records = new LinkedHashMap<>();
        response.getKvs().forEach(kv -> records.put(text(kv.getKey()).substring(folder.length()), text(kv.getValue())));
        return new NodeRecords(response.getHeader().getRevision(), records);
    }

    /** Answers whether etcd serves a read within {@code wait}; never throws. */
    public boolean reachable(Duration wait) {
        return fenceRevision(wait).isPresent();
    }

    /**
     * The fence key's mod revision (the newest config write; 0 before any) if etcd serves the read within
     * {@code wait}, else empty; never throws.
     */
    public java.util.OptionalLong fenceRevision(Duration wait) {
        CompletableFuture<GetResponse> read = client.getKVClient().get(bytes(prefix + "/" + LAST_CHANGE));
        try {
            GetResponse response = read.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return java.util.OptionalLong.of(response.getKvs().isEmpty() ? 0 : response.getKvs().getFirst().getModRevision());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalLong.empty();
        } catch (ExecutionException | TimeoutException e) {
            read.cancel(true);
            return java.util.OptionalLong.empty();
        }
    }

    /** One config object written ({@code object} set) or deleted, at {@code revision}. */
    public record ObjectEvent(Kind kind, String id, StoredObject object, long revision) {
    }

    /** The changes a watch asked for are compacted away: read the config again, then watch from its revision. */
    public static final class Compacted extends RuntimeException {
        public Compacted(long compactedRevision) {
            super("revisions up to " + compactedRevision + " are compacted");
        }
    }

    /**
     * Watches every config object (not the logs beside them) from the revision after
     * {@code afterRevision} (0 = from now on); {@code onEvents} gets each etcd revision's object
     * changes in order, {@code onError} a {@link Compacted} or the failure that ended the watch.
     *
     * @return closing it ends the watch
     */
    public AutoCloseable watchObjects(long afterRevision, java.util.function.Consumer<List<ObjectEvent>> onEvents,
                                      java.util.function.Consumer<RuntimeException> onError) {
        io.etcd.jetcd.options.WatchOption.Builder option = io.etcd.jetcd.options.WatchOption.builder().isPrefix(true);
        if (afterRevision > 0) {
            option.withRevision(afterRevision + 1);
        }
        return client.getWatchClient().watch(bytes(prefix + "/"), option.build(), response -> {
            List<ObjectEvent> events = new ArrayList<>();
            for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
                KeyValue kv = e.getKeyValue();
                String rest = text(kv.getKey()).substring(prefix.length() + 1);
                int slash = rest.indexOf('/');
                Kind kind = kindOf(slash < 0 ? rest : rest.substring(0, slash));
                if (kind == null || (kind == Kind.GLOBAL_PLUGINS) != (slash < 0)) {
                    continue; // the fence, logs, node records, staging
                }
                String id = slash < 0 ? "" : rest.substring(slash + 1);
                boolean put = e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT;
                events.add(new ObjectEvent(kind, id, put ? decode(kind, id, kv) : null, kv.getModRevision()));
            }
            if (!events.isEmpty()) {
                onEvents.accept(events);
            }
        }, error -> onError.accept(error instanceof io.etcd.jetcd.common.exception.CompactedException c
                ? new Compacted(c.getCompactedRevision())
                : new StoreUnavailableException("the etcd watch ended: " + error.getMessage(), error)));
    }

    /** The etcd key of an object; {@code id} is ignored for {@link Kind#GLOBAL_PLUGINS}. */
    public String key(Kind kind, String id) {
        return kind == Kind.GLOBAL_PLUGINS ? prefix + "/" + kind.key() : prefix + "/" + kind.key() + "/" + id;
    }

    @Override
    public void close() {
        client.close();
    }

    /** The etcd value of an object: {@code {"meta": {...}, "spec": <the object as ConfigCodec writes it>}}. */
    static String encode(Object value, Meta meta) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("meta", meta.toTree());
        root.set("spec", ConfigCodec.toTree(value));
        return root.toString();
    }

    private StoredObject decode(Kind kind, String id, KeyValue kv) {
        String key = text(kv.getKey());
        try {
            JsonNode root = JSON.readTree(text(kv.getValue()));
            Validated<Object> spec = ConfigCodec.readObject(kind, root.path("spec").toString());
            if (!spec.isValid()) {
                throw new IllegalStateException("etcd key " + key + " holds an unreadable " + kind.key()
                        + " object: " + spec.errors());
            }
            return new StoredObject(kind, id, spec.value(), Meta.fromTree(root.path("meta")), kv.getModRevision());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("etcd key " + key + " does not hold JSON", e);
        }
    }

    private static Kind kindOf(String folder) {
        for (Kind kind : Kind.values()) {
            if (kind.key().equals(folder)) {
                return kind;
            }
        }
        return null;
    }

    <T> T await(CompletableFuture<T> call, String what) {
        return Telemetry.etcd(what, () -> awaitUntraced(call, what));
    }

    private <T> T awaitUntraced(CompletableFuture<T> call, String what) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new StoreUnavailableException("etcd did not answer " + what + " within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.INVALID_ARGUMENT) {
                throw new IllegalArgumentException("etcd refused " + what + ": " + etcd.getMessage(), etcd);
            }
            throw new StoreUnavailableException("etcd failed " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
