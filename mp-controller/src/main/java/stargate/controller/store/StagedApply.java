package stargate.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;

/**
 * A whole-config change too big for one etcd transaction (etcd's 128 operations and 1.5 MiB per
 * request), applied so that no node ever serves part of it (layout in {@code docs/etcd-layout.md},
 * "Big whole-config writes: staging"):
 * <ol>
 *   <li><b>stage</b>: the change as chunks {@code staging/<txid>/<k>} (each at most
 *       {@value #CHUNK_OBJECTS} objects and {@value #CHUNK_BYTES} bytes: {@code [{op, kind, id,
 *       before, after, meta}]}) on a long lease (an abandoned staging expires), plus
 *       {@code staging/<txid>/owner} on a short lease, kept alive while this controller works;</li>
 *   <li><b>open</b>: one transaction, if {@code last_change} still has the validated revision (the
 *       fence, and the whole config's If-Match), no {@code applying} exists and the owner key
 *       lives: puts {@code applying} (no lease; what the close will write) and {@code last_change};
 *       from here every other write fails its fence or waits for {@code applying} to go;</li>
 *   <li><b>copy</b>: per chunk one transaction, if {@code applying} still has the open's create
 *       revision: the chunk's objects and the chunk itself as {@code history_delta/<n>/<k>} (the
 *       history entry's delta, kept durably; it also marks the chunk as copied);</li>
 *   <li><b>close</b>: one transaction: deletes {@code applying}, puts {@code last_change} and the
 *       audit and history entries, trims the logs, deletes the staging. Nodes apply the whole
 *       change when they see {@code applying} deleted.</li>
 * </ol>
 * An apply whose owner died ({@code applying} present, owner key gone) is rolled forward by any
 * controller ({@link #recover}): the chunks not yet copied are still staged (their lease is
 * {@link #CHUNK_TTL}); each copy is idempotent.
 */
public final class StagedApply {
    public static final String APPLYING = "applying";
    public static final String STAGING = "staging";
    public static final String DELTA = "history_delta";
    static final int CHUNK_OBJECTS = 100;
    static final int CHUNK_BYTES = 512 * 1024;
    /** Requests in flight while staging or copying. */
    private static final int WINDOW = 4;
    /** How long staged chunks outlive their controller: the time left to roll a dead controller's apply forward. */
    static final Duration CHUNK_TTL = Duration.ofMinutes(10);
    /** How long the owner key outlives its controller: after that the apply counts as abandoned. */
    static final Duration OWNER_TTL = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(StagedApply.class.getName());

    /** An apply in progress, as the {@code applying} key says. @param createRevision the open's revision */
    public record Applying(String txid, long number, int chunks, long createRevision, ObjectNode value) {
        public String describe() {
            return "a whole-config apply (write " + number + ", " + value.path("summary").asText() + ", by "
                    + value.path("by").asText() + " since " + value.path("at").asText() + ")";
        }
    }

    /** Thrown by a writer's read while an apply is in progress: the config is partly applied. */
    public static final class InProgress extends RuntimeException {
        public InProgress() {
            super("a whole-config apply is in progress", null, false, false);
        }
    }

    /** What a finished apply wrote: the close's revision and each written object's revision, by {@code kind/id}. */
    public record Result(long revision, Map<String, Long> objectRevisions) {
    }

    private final EtcdStore store;
    private final Client client;
    private final String prefix;

    public StagedApply(EtcdStore store) {
        this.store = store;
        this.client = store.client();
        this.prefix = store.prefix();
    }

    /** One staged object: its change and the metadata written with it. */
    public record Item(Change change, Meta meta) {
    }

    /** A staging written and kept alive by this controller. */
    public final class Staged implements AutoCloseable {
        final String txid;
        final long number;
        final List<String> chunks;
        final List<List<String>> keys;
        final long chunkLease;
        final long ownerLease;
        final List<CloseableClient> keepAlives = new ArrayList<>();

        Staged(String txid, long number, List<String> chunks, List<List<String>> keys, long chunkLease, long ownerLease) {
            this.txid = txid;
            this.number = number;
            this.chunks = chunks;
            this.keys = keys;
            this.chunkLease = chunkLease;
            this.ownerLease = ownerLease;
        }

        public int chunks() {
            return chunks.size();
        }

        /** Stops the keep-alives without revoking: as if this controller died (tests). */
        public void abandon() {
            keepAlives.forEach(CloseableClient::close);
            keepAlives.clear();
        }

        /** Revokes both leases: the staging (and the owner key) go at once. */
        @Override
        public void close() {
            abandon();
            for (long lease : new long[] {ownerLease, chunkLease}) {
                try {
                    store.await(client.getLeaseClient().revoke(lease), "revoking a staging lease");
                } catch (RuntimeException e) {
                    LOG.fine("lease " + lease + " not revoked: " + e); // it expires by itself
                }
            }
        }
    }

    /** Writes the change as chunks under a new txid (nothing live changes). @param number the write number it will get */
    public Staged stage(long number, List<Item> items) {
        String txid = EtcdStore.sequence(number) + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<String> chunks = new ArrayList<>();
        List<List<String>> keys = new ArrayList<>();
        ArrayNode chunk = JSON.createArrayNode();
        List<String> chunkKeys = new ArrayList<>();
        long bytes = 0;
        for (Item item : items) {
            Change c = item.change();
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("op", c.op().name().toLowerCase(Locale.ROOT));
            o.put("kind", c.kind().key());
            o.put("id", c.id());
            o.set("before", c.before() == null ? null : ConfigCodec.toTree(c.before()));
            o.set("after", c.after() == null ? null : ConfigCodec.toTree(c.after()));
            if (c.after() != null) {
                o.set("meta", item.meta().toTree());
            }
            long size = o.toString().length() * 2L + 64; // staged once, copied as the object once more
            if (!chunk.isEmpty() && (chunk.size() >= CHUNK_OBJECTS || bytes + size > CHUNK_BYTES)) {
                chunks.add(chunk.toString());
                keys.add(chunkKeys);
                chunk = JSON.createArrayNode();
                chunkKeys = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(o);
            chunkKeys.add(c.kind().key() + "/" + c.id());
            bytes += size;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk.toString());
            keys.add(chunkKeys);
        }
        // the leases only now, with their keep-alives at once: printing 100,000 objects can outlast
        // the owner's 10 s TTL on a loaded machine, and an expired owner lease fails the staging
        long chunkLease = store.await(client.getLeaseClient().grant(CHUNK_TTL.toSeconds()), "granting a lease").getID();
        long ownerLease = store.await(client.getLeaseClient().grant(OWNER_TTL.toSeconds()), "granting a lease").getID();
        Staged staged = new Staged(txid, number, chunks, keys, chunkLease, ownerLease);
        StreamObserver<LeaseKeepAliveResponse> ignore = new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
        staged.keepAlives.add(client.getLeaseClient().keepAlive(chunkLease, ignore));
        staged.keepAlives.add(client.getLeaseClient().keepAlive(ownerLease, ignore));
        try {
            store.await(client.getKVClient().put(bytes(ownerKey(txid)), bytes("{}"),
                    PutOption.builder().withLeaseId(ownerLease).build()), "staging a config change");
            Deque<CompletableFuture<?>> window = new ArrayDeque<>();
            for (int k = 0; k < chunks.size(); k++) {
                if (window.size() >= WINDOW) {
                    store.await(window.removeFirst(), "staging a config change");
                }
                window.add(client.getKVClient().put(bytes(chunkKey(txid, k)), bytes(chunks.get(k)),
                        PutOption.builder().withLeaseId(chunkLease).build()));
            }
            while (!window.isEmpty()) {
                store.await(window.removeFirst(), "staging a config change");
            }
        } catch (RuntimeException e) {
            staged.close();
            throw e;
        }
        return staged;
    }

    /**
     * Opens the apply: fenced on {@code last_change} having {@code fenceRevision}, no other apply, and
     * the staging's owner alive.
     *
     * @param audit      the audit entry the close will write
     * @param history    the history entry the close will write (its delta is in {@code history_delta/<n>/})
     * @param lastChange the fence's value, written at the open and again at the close
     * @return the open's revision, or -1 when a compare failed (another write came first)
     */
    public long open(Staged staged, long fenceRevision, ObjectNode audit, ObjectNode history, ObjectNode lastChange) {
        ObjectNode applying = JsonNodeFactory.instance.objectNode();
        applying.put("txid", staged.txid);
        applying.put("number", staged.number);
        applying.put("chunks", staged.chunks.size());
        applying.put("by", lastChange.path("by").asText());
        applying.put("at", lastChange.path("at").asText());
        applying.put("summary", lastChange.path("summary").asText());
        applying.set("last_change", lastChange);
        applying.set("audit", audit);
        applying.set("history", history);
        ByteSequence fence = bytes(prefix + "/" + EtcdStore.LAST_CHANGE);
        TxnResponse response = store.await(client.getKVClient().txn()
                .If(new Cmp(fence, Cmp.Op.EQUAL, CmpTarget.modRevision(fenceRevision)),
                        new Cmp(bytes(applyingKey()), Cmp.Op.EQUAL, CmpTarget.version(0)),
                        new Cmp(bytes(ownerKey(staged.txid)), Cmp.Op.GREATER, CmpTarget.version(0)))
                .Then(Op.put(bytes(applyingKey()), bytes(applying.toString()), PutOption.DEFAULT),
                        Op.put(fence, bytes(lastChange.toString()), PutOption.DEFAULT))
                .commit(), "opening a config apply");
        return response.isSucceeded() ? response.getHeader().getRevision() : -1;
    }

    /**
     * Copies every chunk into the live folders and closes the apply.
     *
     * @param keep per log folder ({@code audit}, {@code history}) how many entries to keep
     */
    public Result finish(Staged staged, long openRevision, Map<String, Integer> keep) {
        Map<String, Long> revisions = new java.util.HashMap<>();
        Deque<CompletableFuture<TxnResponse>> window = new ArrayDeque<>();
        Deque<Integer> inFlight = new ArrayDeque<>();
        for (int k = 0; k <= staged.chunks.size(); k++) {
            if (k == staged.chunks.size() || window.size() >= WINDOW) {
                while (!window.isEmpty() && (k == staged.chunks.size() || window.size() >= WINDOW)) {
                    TxnResponse r = store.await(window.removeFirst(), "copying a staged chunk");
                    int done = inFlight.removeFirst();
                    if (!r.isSucceeded()) {
                        throw new IllegalStateException("the apply of write " + staged.number + " was taken over");
                    }
                    staged.keys.get(done).forEach(key -> revisions.put(key, r.getHeader().getRevision()));
                }
            }
            if (k < staged.chunks.size()) {
                window.add(copy(staged.number, k, staged.chunks.get(k), openRevision));
                inFlight.add(k);
            }
        }
        long revision = close(staged.txid, staged.number, openRevision, keep);
        if (revision < 0) {
            throw new IllegalStateException("the apply of write " + staged.number + " was closed by another controller");
        }
        staged.close();
        return new Result(revision, revisions);
    }

    /** Copies one chunk (tests: an apply that dies half way). @return whether the copy committed */
    boolean copyOne(Staged staged, int k, long openRevision) {
        return store.await(copy(staged.number, k, staged.chunks.get(k), openRevision), "copying a staged chunk").isSucceeded();
    }

    /** The apply in progress, if any. */
    public Optional<Applying> applying() {
        var response = store.await(client.getKVClient().get(bytes(applyingKey())), "reading " + APPLYING);
        if (response.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue kv = response.getKvs().get(0);
        ObjectNode value = read(kv.getValue().toString(StandardCharsets.UTF_8));
        return Optional.of(new Applying(value.path("txid").asText(), value.path("number").asLong(),
                value.path("chunks").asInt(), kv.getCreateRevision(), value));
    }

    /** Whether the controller that opened {@code applying} still lives (its owner key's lease). */
    public boolean ownerAlive(Applying applying) {
        return !store.await(client.getKVClient().get(bytes(ownerKey(applying.txid()))), "reading the apply's owner")
                .getKvs().isEmpty();
    }

    /**
     * Rolls an abandoned apply forward: copies each chunk not yet copied from the staging, then closes.
     *
     * @return the close's revision
     * @throws IllegalStateException when a chunk not yet copied is gone (its staging expired): needs an operator
     */
    public long recover(Applying applying, Map<String, Integer> keep) {
        LOG.warning("event=apply_recovery txid=" + applying.txid() + " number=" + applying.number()
                + " chunks=" + applying.chunks() + " action=roll_forward");
        for (int k = 0; k < applying.chunks(); k++) {
            String copied = deltaKey(applying.number(), k);
            if (store.await(client.getKVClient().get(bytes(copied), GetOption.builder().withCountOnly(true).build()),
                    "reading a history delta").getCount() > 0) {
                continue;
            }
            var staged = store.await(client.getKVClient().get(bytes(chunkKey(applying.txid(), k))), "reading a staged chunk");
            if (staged.getKvs().isEmpty()) {
                throw new IllegalStateException(applying.describe() + " was abandoned and its staged chunk " + k
                        + " has expired: it cannot be rolled forward; delete " + applyingKey() + " to release writes"
                        + " (the config then holds the chunks copied so far)");
            }
            TxnResponse r = store.await(copy(applying.number(), k, staged.getKvs().get(0).getValue()
                    .toString(StandardCharsets.UTF_8), applying.createRevision()), "copying a staged chunk");
            if (!r.isSucceeded()) {
                return -1; // closed meanwhile by someone else
            }
        }
        return close(applying.txid(), applying.number(), applying.createRevision(), keep);
    }

    private CompletableFuture<TxnResponse> copy(long number, int k, String chunk, long openRevision) {
        List<Op> ops = new ArrayList<>();
        for (JsonNode item : readArray(chunk)) {
            Kind kind = kind(item.path("kind").asText());
            ByteSequence key = bytes(store.key(kind, item.path("id").asText()));
            JsonNode after = item.get("after");
            if (after == null || after.isNull()) {
                ops.add(Op.delete(key, DeleteOption.DEFAULT));
            } else {
                ObjectNode value = JsonNodeFactory.instance.objectNode();
                value.set("meta", item.get("meta"));
                value.set("spec", after);
                ops.add(Op.put(key, bytes(value.toString()), PutOption.DEFAULT));
            }
        }
        ops.add(Op.put(bytes(deltaKey(number, k)), bytes(chunk), PutOption.DEFAULT));
        return client.getKVClient().txn()
                .If(new Cmp(bytes(applyingKey()), Cmp.Op.EQUAL, CmpTarget.createRevision(openRevision)))
                .Then(ops.toArray(Op[]::new)).commit();
    }

    private long close(String txid, long number, long openRevision, Map<String, Integer> keep) {
        var current = store.await(client.getKVClient().get(bytes(applyingKey())), "reading " + APPLYING);
        if (current.getKvs().isEmpty() || current.getKvs().get(0).getCreateRevision() != openRevision) {
            return -1;
        }
        ObjectNode applying = read(current.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
        List<Op> ops = new ArrayList<>();
        ops.add(Op.delete(bytes(applyingKey()), DeleteOption.DEFAULT));
        ops.add(Op.put(bytes(prefix + "/" + EtcdStore.LAST_CHANGE), bytes(applying.get("last_change").toString()),
                PutOption.DEFAULT));
        ops.add(Op.put(bytes(prefix + "/audit/" + EtcdStore.sequence(number)), bytes(applying.get("audit").toString()),
                PutOption.DEFAULT));
        ops.add(Op.put(bytes(prefix + "/history/" + EtcdStore.sequence(number)), bytes(applying.get("history").toString()),
                PutOption.DEFAULT));
        keep.forEach((folder, count) -> {
            long oldestKept = number - count + 1;
            List<String> folders = folder.equals("history") ? List.of(folder, DELTA) : List.of(folder);
            for (String f : folders) {
                if (oldestKept > 1) {
                    String start = prefix + "/" + f + "/";
                    ops.add(Op.delete(bytes(start), DeleteOption.builder()
                            .withRange(bytes(start + EtcdStore.sequence(oldestKept))).build()));
                }
            }
        });
        String staging = prefix + "/" + STAGING + "/" + txid + "/";
        ops.add(Op.delete(bytes(staging), DeleteOption.builder().isPrefix(true).build()));
        TxnResponse response = store.await(client.getKVClient().txn()
                .If(new Cmp(bytes(applyingKey()), Cmp.Op.EQUAL, CmpTarget.createRevision(openRevision)))
                .Then(ops.toArray(Op[]::new)).commit(), "closing a config apply");
        return response.isSucceeded() ? response.getHeader().getRevision() : -1;
    }

    /** The staged delta of history entry {@code number}, chunk by chunk, in write order (a few chunks per read). */
    public List<JsonNode> delta(long number) {
        String start = prefix + "/" + DELTA + "/" + EtcdStore.sequence(number) + "/";
        String end = prefix + "/" + DELTA + "/" + EtcdStore.sequence(number) + "0"; // '0' follows '/'
        List<JsonNode> items = new ArrayList<>();
        String from = start;
        for (int page = 0; page < 1_000_000; page++) {
            var response = store.await(client.getKVClient().get(bytes(from), GetOption.builder().withRange(bytes(end))
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).withLimit(4).build()),
                    "reading a history delta");
            for (KeyValue kv : response.getKvs()) {
                readArray(kv.getValue().toString(StandardCharsets.UTF_8)).forEach(items::add);
                from = kv.getKey().toString(StandardCharsets.UTF_8) + "\0";
            }
            if (!response.isMore()) {
                break;
            }
        }
        return items;
    }

    String applyingKey() {
        return prefix + "/" + APPLYING;
    }

    private String ownerKey(String txid) {
        return prefix + "/" + STAGING + "/" + txid + "/owner";
    }

    private String chunkKey(String txid, int k) {
        return prefix + "/" + STAGING + "/" + txid + "/" + String.format("%06d", k);
    }

    private String deltaKey(long number, int k) {
        return prefix + "/" + DELTA + "/" + EtcdStore.sequence(number) + "/" + String.format("%06d", k);
    }

    private static ObjectNode read(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not JSON: " + e.getMessage(), e);
        }
    }

    private static ArrayNode readArray(String json) {
        try {
            return (ArrayNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a staged chunk is not JSON: " + e.getMessage(), e);
        }
    }

    private static Kind kind(String key) {
        for (Kind kind : Kind.values()) {
            if (kind.key().equals(key)) {
                return kind;
            }
        }
        throw new IllegalStateException("a staged chunk names an unknown kind " + key);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
