package stargate.controller.write;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import stargate.controller.audit.Actor;
import stargate.controller.audit.AuditLog;
import stargate.controller.history.History;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.ConfigState;
import stargate.controller.store.ConfigView;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Meta;
import stargate.controller.store.Secrets;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StagedApply;
import stargate.controller.store.StoreUnavailableException;
import stargate.controller.store.StoredObject;
import stargate.controller.telemetry.ControllerMetrics;
import stargate.controller.telemetry.Telemetry;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.diff.Change;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/**
 * The one write path of the admin API: every write, from a request thread, is queued to one
 * committing thread, which validates pending writes one after the other against its copy of the
 * config ({@link ConfigState}) and commits the valid ones together in one fenced etcd transaction
 * (group commit): one round trip and one fsync for a batch, each write answered with its own
 * result and revision, an invalid one failing alone.
 *
 * <p>Independent writes never fail because of each other: they are validated in turn against the
 * config as the earlier ones left it, so only a real conflict (the id exists, an upstream deleted
 * meanwhile, a duplicate key) or a failed {@code If-Match} fails a write. Two writes to one object
 * go to successive batches (etcd puts a key once per transaction), so an If-Match race still has
 * exactly one winner.
 *
 * <p>Single-object writes are validated incrementally ({@link ObjectChecks}): cost proportional to
 * what they touch. Whole-config writes ({@code PUT /config}, rollback, GitOps) validate the whole
 * result as before, and commit alone. Either way a proposal is validated twice: as proposed, so
 * rules on plain secrets (key length) apply, and in storage form, so a new API key that hashes to
 * a stored one is caught as a duplicate.
 *
 * <p>Linearizable across controllers: the transaction is fenced on the {@code last_change} key
 * having the revision the state holds; when another controller wrote, the fence fails, and the
 * same round trip (the transaction's else branch) answers what changed since the state's revision,
 * so the state catches up at once (it is read again only when something was deleted); the batch is
 * re-validated and retried, each write at most {@value #ATTEMPTS} times (then 409), stepping aside
 * a few random milliseconds after repeated losses so a busy peer cannot starve it. Answers that need no commit (a failure, a dry run, a write that changes
 * nothing) are given only once the state is proven current: by the batch's commit, or by one
 * read of the fence key.
 */
@ApplicationScoped
public class ConfigService {
    /** Lost races (another controller committed first) before a write gives up with 409. */
    static final int ATTEMPTS = 20;
    /** Writes per transaction: 3 etcd operations each (object, audit, history) plus 3, under etcd's 128. */
    static final int MAX_BATCH = 32;
    /** Bytes per transaction, under etcd's 1.5 MiB request limit. */
    static final int MAX_BATCH_BYTES = 1024 * 1024;
    /** Writes waiting for the committer; beyond, a write is refused with 503. */
    static final int MAX_PENDING = 8192;
    /** The longest a request waits for its write to be answered. */
    static final long ANSWER_WITHIN_MS = 60_000;
    /** A whole-config write changing more objects than this is staged ({@link StagedApply}) instead of one transaction. */
    static final int STAGE_ABOVE = 100;
    /** The longest a write waits for another controller's big apply to finish before it is refused with 503. */
    static final long APPLY_WAIT_MS = 30_000;
    private static final Logger LOG = Logger.getLogger(ConfigService.class.getName());

    /** Which object a write is about (null for whole-config writes): its If-Match and error paths refer to it. */
    public record Focus(Kind kind, String id) {
        String key() {
            return kind.key() + "/" + id;
        }
    }

    /**
     * What a whole-config write wants.
     *
     * @param config      the whole config after the write; new secrets plain, kept ones in storage form
     * @param errors      errors found while building it (e.g. a mask with no stored secret), paths config-wide
     * @param storageForm the config is all in storage form already (a rollback to a stored config): hash nothing
     */
    public record Proposal(GatewayConfig config, List<ConfigError> errors, boolean storageForm) {
        public Proposal(GatewayConfig config, List<ConfigError> errors) {
            this(config, errors, false);
        }
    }

    /**
     * What a single-object write wants.
     *
     * @param value  the object after the write (new secrets plain, kept ones in storage form); null = delete it
     * @param errors errors found while building it, paths relative to the object
     */
    public record ObjectProposal(Object value, List<ConfigError> errors) {
    }

    /**
     * @param changes      storage-form changes
     * @param revision     the etcd revision of the commit (the config's revision when nothing changed); -1 for a dry run
     * @param metas        the metadata written with each changed object, by {@code kind/id}
     * @param current      for a single-object write, the object as stored before it (null if absent)
     * @param baseRevision the config revision the write was validated against
     */
    public record Outcome(List<Change> changes, long revision, Map<String, Meta> metas, StoredObject current,
                          long baseRevision) {
    }

    @Inject
    EtcdStore store;
    @Inject
    ControllerMetrics metrics;
    /** History entries kept (each the changes of one write). */
    @Inject
    @ConfigProperty(name = "stargate.history.keep", defaultValue = "1000")
    int historyKeep;
    /** Audit entries kept. */
    @Inject
    @ConfigProperty(name = "stargate.audit.keep", defaultValue = "1000")
    int auditKeep;
    private final ConfigValidator validator = ConfigValidator.create();
    private final ObjectChecks checks = new ObjectChecks(validator);
    private final Clock clock = Clock.systemUTC();
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(MAX_PENDING);
    /** The committer's copy of the config; null until read, and after anything that may have made it stale. */
    private volatile ConfigState state;
    private Thread committer;
    private volatile boolean stopped;
    /**
     * The committer's undo log of the batch being built: each object as it was before an accepted
     * write changed it (null = absent). Emptied when the batch is answered: a whole-config write
     * puts every object it changes here, so a log left over would keep the config's old objects
     * alive until the next write.
     */
    private final List<Undo> undo = new ArrayList<>();

    /** @param before null = the object was absent */
    private record Undo(Kind kind, String id, StoredObject before) {
    }
    /** What the last lost race said changed (the committer's). */
    private EtcdStore.CommitResult lost;

    /** The whole config read from etcd now (for reads; writes use the committer's state). */
    public Snapshot snapshot() {
        return store.snapshot();
    }

    public ConfigValidator validator() {
        return validator;
    }

    /**
     * A whole-config write ({@code PUT /config}, rollback, GitOps): the whole result validated;
     * committed alone. A write that changes something leaves its audit and history entries in the
     * same transaction. Objects written by a Git apply become Git-owned and carry its commit
     * ({@link Meta#applied}); API writes keep an object's owner ({@link Meta#written}).
     *
     * @param focus   must be null (kept for symmetry with {@link #writeObject})
     * @param ifMatch the revision the whole config ({@code last_change}) must still have; null = any
     * @param propose builds the wanted config from the current one; may run more than once (lost races)
     * @throws ApiProblem 400 invalid (every error with its path), 409 after losing races, 412 If-Match;
     *                    any exception {@code propose} throws
     */
    public Outcome write(Focus focus, Long ifMatch, boolean dryRun, Actor actor, Function<Snapshot, Proposal> propose) {
        if (focus != null) {
            throw new IllegalArgumentException("whole-config writes have no focus");
        }
        return submit(new Pending(null, ifMatch, dryRun, actor, null, propose), "config");
    }

    /**
     * A write of one object, validated incrementally ({@link ObjectChecks}).
     *
     * @param ifMatch the revision the object must still have; null = any; 0 = must not exist
     * @param propose builds the wanted object from the current config; may run more than once;
     *                may throw an {@link ApiProblem} (404, 409), which answers the write
     */
    public Outcome writeObject(Focus focus, Long ifMatch, boolean dryRun, Actor actor,
                               Function<ConfigView, ObjectProposal> propose) {
        Pending pending = new Pending(focus, ifMatch, dryRun, actor, propose, null);
        prehash(pending);
        return submit(pending, focus.kind().key());
    }

    /**
     * {@link #writeObject}, queued now and answered later: writes queued one after the other from
     * one thread are validated in that order (the gRPC {@code Apply} stream's fast path: many in
     * flight, committed together). The future fails as {@link #writeObject} throws.
     */
    public CompletableFuture<Outcome> writeObjectQueued(Focus focus, Long ifMatch, Actor actor,
                                                        Function<ConfigView, ObjectProposal> propose) {
        Pending pending = new Pending(focus, ifMatch, false, actor, propose, null);
        prehash(pending);
        startCommitter();
        if (!queue.offer(pending)) {
            count(focus.kind().key(), "busy");
            return CompletableFuture.failedFuture(busy());
        }
        return pending.result.whenComplete((outcome, failure) -> count(focus.kind().key(),
                failure == null ? "ok" : failure instanceof ApiProblem p ? p.slug()
                        : failure.getCause() instanceof ApiProblem p ? p.slug() : "etcd-unavailable"));
    }

    private Outcome submit(Pending pending, String kindLabel) {
        try {
            Outcome outcome = await(pending);
            count(kindLabel, pending.dryRun ? "dry_run" : "ok");
            return outcome;
        } catch (ApiProblem p) {
            count(kindLabel, p.slug());
            throw p;
        } catch (StoreUnavailableException e) {
            count(kindLabel, "etcd-unavailable");
            throw e;
        }
    }

    private Outcome await(Pending pending) {
        startCommitter();
        if (!queue.offer(pending)) {
            throw busy();
        }
        try {
            return pending.result.get(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new StoreUnavailableException("the write was not answered within " + ANSWER_WITHIN_MS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for the write", e);
        }
    }

    private static ApiProblem busy() {
        return new ApiProblem(503, "busy", "Too many pending writes", MAX_PENDING + " writes are waiting; retry", List.of());
    }

    private synchronized void startCommitter() {
        if (committer == null) {
            committer = Thread.ofPlatform().daemon().name("stargate-committer").start(this::commitLoop);
        }
    }

    @PreDestroy
    synchronized void stop() {
        stopped = true;
        if (committer != null) {
            committer.interrupt();
        }
    }

    /**
     * Hashing a new password (PBKDF2) is slow: a consumer write hashes in its request thread,
     * against the object as the state holds it now; the committer reuses the result when the
     * stored object and the proposal are still the same (else it hashes again).
     */
    private void prehash(Pending p) {
        ConfigState now = state;
        if (p.focus.kind() != Kind.CONSUMER || now == null) {
            return;
        }
        try {
            ObjectProposal proposal = p.object.apply(now);
            if (proposal.value() != null) {
                Object previous = now.get(Kind.CONSUMER, p.focus.id()).map(StoredObject::value).orElse(null);
                p.seenPrevious = previous;
                p.seenUnmasked = proposal.value();
                p.seenStorage = Secrets.toStorage(proposal.value(), previous);
            }
        } catch (RuntimeException ignored) {
            // the committer runs the proposal again and answers its failure
        }
    }

    // ---- the committer thread ----

    /** One queued write and, while its batch is built, what came of it. */
    private static final class Pending {
        final Focus focus;
        final Long ifMatch;
        final boolean dryRun;
        final Actor actor;
        final Function<ConfigView, ObjectProposal> object;
        final Function<Snapshot, Proposal> whole;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        /** The writer's trace (its API request span): the committer's etcd calls are traced under it. */
        final Context trace = Context.current();
        int lostRaces;
        Object seenPrevious;
        Object seenUnmasked;
        Object seenStorage;
        // the round's verdict: a failure, an answer needing no commit, or writes to commit
        RuntimeException failure;
        Outcome answer;
        List<EtcdStore.Write> writes;
        List<Change> changes;
        Map<String, Meta> metas;
        StoredObject current;
        long baseRevision;
        Instant at;
        long bytes;

        Pending(Focus focus, Long ifMatch, boolean dryRun, Actor actor, Function<ConfigView, ObjectProposal> object,
                Function<Snapshot, Proposal> whole) {
            this.focus = focus;
            this.ifMatch = ifMatch;
            this.dryRun = dryRun;
            this.actor = actor;
            this.object = object;
            this.whole = whole;
        }

        boolean accepted() {
            return writes != null;
        }

        void reset() {
            failure = null;
            answer = null;
            writes = null;
            changes = null;
            metas = null;
            current = null;
        }
    }

    private void commitLoop() {
        List<Pending> carry = new ArrayList<>();
        while (!stopped) {
            try {
                if (carry.isEmpty()) {
                    Pending first = queue.poll(1, TimeUnit.SECONDS);
                    if (first == null) {
                        continue;
                    }
                    carry.add(first);
                }
                queue.drainTo(carry);
                List<Pending> batch = carry;
                carry = Telemetry.batch("config commit", batch.stream().map(p -> p.trace).toList(), () -> round(batch));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) { // never let the committer die: fail what it held
                LOG.log(Level.SEVERE, "config committer failed", e);
                state = null;
                carry.forEach(p -> p.result.completeExceptionally(e));
                carry = new ArrayList<>();
            }
        }
        carry.forEach(p -> p.result.completeExceptionally(new StoreUnavailableException("the controller is stopping", null)));
    }

    /**
     * Builds one batch from the head of {@code pending}, proves it against etcd (commit, or a fence
     * read) and answers it.
     *
     * @return the writes still to do: lost races first, then those left for a later batch
     */
    private List<Pending> round(List<Pending> pending) {
        try {
            return decide(pending);
        } finally {
            undo.clear();
        }
    }

    private List<Pending> decide(List<Pending> pending) {
        long tStart = System.nanoTime();
        ConfigState current = state;
        if (current == null) {
            try {
                current = readState();
            } catch (RuntimeException e) {
                pending.forEach(p -> p.result.completeExceptionally(e));
                return new ArrayList<>();
            }
            state = current;
        }
        List<Pending> batch = new ArrayList<>();
        List<Pending> later = new ArrayList<>();
        Set<String> touched = new HashSet<>();
        int accepted = 0;
        long bytes = 0;
        boolean closed = false;
        for (Pending p : pending) {
            boolean wholeWrite = p.focus == null && !p.dryRun;
            if (closed || (wholeWrite && accepted > 0) || (p.focus != null && touched.contains(p.focus.key()))) {
                later.add(p);
                continue;
            }
            p.reset();
            p.baseRevision = current.revision();
            evaluate(current, p);
            batch.add(p);
            if (p.accepted()) {
                accepted++;
                bytes += p.bytes;
                p.writes.forEach(w -> touched.add(w.kind().key() + "/" + w.id()));
                closed = wholeWrite || accepted >= MAX_BATCH || bytes >= MAX_BATCH_BYTES;
            }
        }
        long tEval = System.nanoTime();
        long revision;
        try {
            lost = null;
            revision = accepted > 0 ? commit(current, batch) : store.fenceRevision() == current.fenceRevision() ? current.revision() : -1;
        } catch (RuntimeException e) {
            state = null; // the outcome may be unknown (a timeout): read again
            batch.forEach(p -> p.result.completeExceptionally(e));
            return later;
        }
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(String.format("batch of %d, %d to commit: validated in %.1f ms, committed in %.1f ms", batch.size(),
                    accepted, (tEval - tStart) / 1e6, (System.nanoTime() - tEval) / 1e6));
        }
        List<Pending> next = new ArrayList<>();
        if (revision < 0) { // another controller wrote: catch up (or read again), validate again
            for (int i = undo.size() - 1; i >= 0; i--) {
                Undo u = undo.get(i);
                if (u.before() == null) {
                    current.remove(u.kind(), u.id());
                } else {
                    current.put(u.before());
                }
            }
            if (lost == null || lost.applying() || !current.catchUp(lost)) { // mid-apply: read (and wait) again
                state = null;
            }
            lost = null;
            int most = 0;
            for (Pending p : batch) {
                most = Math.max(most, p.lostRaces + 1);
            }
            if (most > 2) { // keep losing to a busy peer: step aside a little, at random
                try {
                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 2 + 2 * most));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Pending p : batch) {
                if (++p.lostRaces >= ATTEMPTS) {
                    p.result.completeExceptionally(ApiProblem.conflict(
                            "the config kept changing while this write was validated; retry", List.of()));
                } else {
                    next.add(p);
                }
            }
            next.addAll(later);
            return next;
        }
        for (Pending p : batch) {
            if (p.failure != null) {
                p.result.completeExceptionally(p.failure);
            } else if (p.answer != null) {
                p.result.complete(p.answer);
            } else {
                p.result.complete(new Outcome(p.changes, revision, p.metas, p.current, p.baseRevision));
            }
        }
        return later;
    }

    /**
     * Reads the state for writing. While a big apply is in progress the config is partly applied:
     * wait for it (at most {@value #APPLY_WAIT_MS} ms, then 503), or roll it forward when the
     * controller that opened it is gone.
     */
    private ConfigState readState() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPLY_WAIT_MS);
        StagedApply staging = new StagedApply(store);
        for (int attempt = 0; ; attempt++) {
            try {
                return ConfigState.of(store.snapshot(true));
            } catch (StagedApply.InProgress e) {
                StagedApply.Applying applying = staging.applying().orElse(null);
                if (applying == null) {
                    continue;
                }
                if (!staging.ownerAlive(applying)) {
                    try {
                        staging.recover(applying, keep());
                    } catch (IllegalStateException stuck) {
                        throw new ApiProblem(503, "apply-stuck", "An abandoned whole-config apply cannot be completed",
                                stuck.getMessage(), List.of());
                    }
                    continue;
                }
                if (System.nanoTime() > deadline) {
                    throw new ApiProblem(503, "apply-in-progress", "A whole-config apply is in progress",
                            applying.describe() + " is still running; retry when it has finished", List.of());
                }
                try {
                    Thread.sleep(Math.min(200, 10L * (attempt + 1)));
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while waiting for a whole-config apply", stop);
                }
            }
        }
    }

    private Map<String, Integer> keep() {
        return Map.of(AuditLog.FOLDER, auditKeep, History.FOLDER, historyKeep);
    }

    /** Decides one write against the state; an accepted write is applied to the state at once (revision pending). */
    private void evaluate(ConfigState current, Pending p) {
        try {
            if (p.focus == null) {
                evaluateWhole(current, p);
            } else {
                evaluateObject(current, p);
            }
        } catch (RuntimeException e) {
            p.reset();
            p.failure = e;
        }
    }

    private void evaluateObject(ConfigState current, Pending p) {
        Kind kind = p.focus.kind();
        String id = p.focus.id();
        StoredObject stored = current.get(kind, id).orElse(null);
        long revision = stored == null ? 0 : stored.modRevision();
        if (p.ifMatch != null && p.ifMatch != revision) {
            throw ApiProblem.preconditionFailed("If-Match " + p.ifMatch + " but the current revision is " + revision);
        }
        p.current = stored;
        ObjectProposal proposal = p.object.apply(current);
        List<ConfigError> errors = new ArrayList<>(proposal.errors());
        Change change;
        Object storage = null;
        if (proposal.value() == null) {
            if (stored == null) {
                p.answer = new Outcome(List.of(), current.revision(), Map.of(), null, current.revision());
                return;
            }
            if (kind == Kind.UPSTREAM) {
                List<ConfigError> referrers = ObjectChecks.referrers(current, id);
                if (!referrers.isEmpty()) {
                    throw ApiProblem.conflict("upstreams object \"" + id + "\" is still referred to by "
                            + referrers.size() + " object(s)", referrers);
                }
            }
            change = new Change(kind, id, Change.Op.REMOVED, stored.value(), null);
        } else {
            Object previous = stored == null ? null : stored.value();
            storage = storageForm(p, kind, proposal.value(), previous);
            errors.addAll(checks.check(current, kind, id, proposal.value(), storage));
            if (!errors.isEmpty()) {
                throw invalid(errors);
            }
            if (stored != null && Objects.equals(previous, storage)) {
                p.answer = new Outcome(List.of(), current.revision(), Map.of(), stored, current.revision());
                return;
            }
            change = new Change(kind, id, stored == null ? Change.Op.ADDED : Change.Op.CHANGED, previous, storage);
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        if (p.dryRun) {
            p.answer = new Outcome(List.of(change), -1, Map.of(), stored, current.revision());
            return;
        }
        accept(current, p, List.of(change));
    }

    private void evaluateWhole(ConfigState current, Pending p) {
        if (p.ifMatch != null && p.ifMatch != current.fenceRevision()) {
            throw ApiProblem.preconditionFailed("If-Match " + p.ifMatch + " but the current revision is " + current.fenceRevision());
        }
        Snapshot before = current.snapshot();
        Proposal proposal = p.whole.apply(before);
        GatewayConfig storage = proposal.storageForm() ? proposal.config() : storageForm(proposal.config(), before);
        List<ConfigError> errors = new ArrayList<>(proposal.errors());
        errors.addAll(proposal.storageForm() ? validator.validate(storage) : check(proposal.config(), storage));
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        List<Change> changes = ConfigDiff.diff(before.config(), storage);
        if (p.dryRun || changes.isEmpty()) {
            p.answer = new Outcome(changes, p.dryRun ? -1 : before.revision(), Map.of(), null, before.revision());
            return;
        }
        accept(current, p, changes);
    }

    /** Stamps the metadata, applies the changes to the state (revision pending) and keeps the writes to commit. */
    private void accept(ConfigState current, Pending p, List<Change> changes) {
        Instant now = clock.instant();
        List<EtcdStore.Write> writes = new ArrayList<>();
        Map<String, Meta> metas = new HashMap<>();
        long bytes = 512;
        for (Change c : changes) {
            StoredObject previous = current.get(c.kind(), c.id()).orElse(null);
            Meta old = previous == null ? null : previous.meta();
            Meta meta = p.actor.commit() != null ? Meta.applied(old, now, p.actor.principal(), p.actor.commit())
                    : Meta.written(old, now, p.actor.principal());
            metas.put(c.kind().key() + "/" + c.id(), meta);
            writes.add(new EtcdStore.Write(c.kind(), c.id(), c.after(), meta, previous == null ? 0 : previous.modRevision()));
            bytes += 3L * estimate(c.after()) + estimate(c.before()); // object, history before/after, audit
        }
        for (EtcdStore.Write w : writes) {
            undo.add(new Undo(w.kind(), w.id(), current.get(w.kind(), w.id()).orElse(null)));
            if (w.value() == null) {
                current.remove(w.kind(), w.id());
            } else {
                current.put(new StoredObject(w.kind(), w.id(), w.value(), w.meta(), -1));
            }
        }
        p.at = now;
        p.changes = changes;
        p.metas = metas;
        p.writes = writes;
        p.bytes = bytes;
    }

    /** Commits the accepted writes of a batch; the state then holds their revision. @return -1 on a lost race */
    private long commit(ConfigState current, List<Pending> batch) {
        List<Pending> accepted = batch.stream().filter(Pending::accepted).toList();
        if (accepted.size() == 1 && accepted.get(0).focus == null
                && (accepted.get(0).writes.size() > STAGE_ABOVE || accepted.get(0).bytes > MAX_BATCH_BYTES)) {
            return commitStaged(current, accepted.get(0));
        }
        List<EtcdStore.Write> writes = new ArrayList<>();
        List<EtcdStore.NumberedEntry> entries = new ArrayList<>();
        List<Change> all = new ArrayList<>();
        Set<String> principals = new LinkedHashSet<>();
        long number = current.writes();
        for (Pending p : accepted) {
            number++;
            String summary = ConfigDiff.summary(p.changes);
            entries.add(AuditLog.entry(number, p.actor, p.at, summary, p.changes));
            entries.add(History.entry(number, p.actor, p.at, summary, p.changes));
            writes.addAll(p.writes);
            all.addAll(p.changes);
            principals.add(p.actor.principal());
        }
        ObjectNode lastChange = JsonNodeFactory.instance.objectNode()
                .put("at", accepted.get(accepted.size() - 1).at.toString())
                .put("by", String.join(",", principals))
                .put("summary", ConfigDiff.summary(all))
                .put("writes", number);
        // Never trim this batch's own entries: etcd refuses a transaction whose range delete covers a key it
        // puts, so a batch larger than a small --history-keep would fail whole; the next commit trims them.
        long firstNew = current.writes() + 1;
        Map<String, Long> trims = new LinkedHashMap<>();
        trims.put(AuditLog.FOLDER, Math.min(number - auditKeep + 1, firstNew));
        trims.put(History.FOLDER, Math.min(number - historyKeep + 1, firstNew));
        // the deltas of staged writes, kept as long as their entries
        trims.put(StagedApply.DELTA, Math.min(number - historyKeep + 1, firstNew));
        EtcdStore.CommitResult result = store.commit(current.fenceRevision(), writes, lastChange, entries, trims,
                current.revision());
        long revision = result.revision();
        if (!result.committed()) {
            lost = result;
        }
        if (revision > 0) {
            for (EtcdStore.Write w : writes) {
                if (w.value() != null) {
                    current.stamp(w.kind(), w.id(), revision);
                }
            }
            current.committed(revision, accepted.size());
        }
        return revision;
    }

    /**
     * Commits a whole-config write too big for one transaction through a staging ({@link StagedApply}):
     * stage, open (fenced like a commit: this is where If-Match and lost races show), copy, close.
     *
     * @return the close's revision (the write's revision), or -1 when the open lost a race
     */
    private long commitStaged(ConfigState current, Pending p) {
        long number = current.writes() + 1;
        String summary = ConfigDiff.summary(p.changes);
        List<StagedApply.Item> items = new ArrayList<>(p.changes.size());
        for (Change c : p.changes) {
            items.add(new StagedApply.Item(c, p.metas.get(c.kind().key() + "/" + c.id())));
        }
        StagedApply staging = new StagedApply(store);
        StagedApply.Staged staged = staging.stage(number, items);
        ObjectNode audit;
        String full = AuditLog.entry(number, p.actor, p.at, summary, p.changes).value();
        if (full.length() <= 256 * 1024) {
            audit = (ObjectNode) AuditLog.read(new EtcdStore.RawEntry("", full, 0));
            audit.remove("revision");
        } else { // the per-object list would not fit one key: the objects are in the history delta
            audit = AuditLog.header(number, p.actor, p.at, summary);
            audit.put("changes_total", p.changes.size());
            audit.put("changes_in", "history_delta");
        }
        ObjectNode history = AuditLog.header(number, p.actor, p.at, summary);
        history.put("restorable", true);
        history.put("delta_chunks", staged.chunks());
        ObjectNode lastChange = JsonNodeFactory.instance.objectNode()
                .put("at", p.at.toString())
                .put("by", p.actor.principal())
                .put("summary", summary)
                .put("writes", number);
        long open;
        try {
            open = staging.open(staged, current.fenceRevision(), audit, history, lastChange);
        } catch (RuntimeException e) {
            staged.close();
            throw e;
        }
        if (open < 0) {
            staged.close();
            return -1; // lost == null: the state is read again
        }
        StagedApply.Result result;
        try {
            result = staging.finish(staged, open, keep());
        } catch (RuntimeException e) {
            staged.abandon(); // the owner key expires; the next write (here or elsewhere) rolls the apply forward
            throw e;
        }
        for (EtcdStore.Write w : p.writes) {
            if (w.value() != null) {
                current.stamp(w.kind(), w.id(), result.objectRevisions().getOrDefault(w.kind().key() + "/" + w.id(),
                        result.revision()));
            }
        }
        current.committed(result.revision(), 1);
        LOG.info("event=staged_apply number=" + number + " objects=" + p.changes.size() + " chunks=" + staged.chunks()
                + " revision=" + result.revision());
        return result.revision();
    }

    private static long estimate(Object value) {
        return value == null ? 0 : stargate.model.codec.ConfigCodec.toTree(value).toString().length() + 256L;
    }

    private Object storageForm(Pending p, Kind kind, Object unmasked, Object previous) {
        if (kind != Kind.CONSUMER) {
            return unmasked;
        }
        if (p.seenStorage != null && Objects.equals(p.seenPrevious, previous) && Objects.equals(p.seenUnmasked, unmasked)) {
            return p.seenStorage;
        }
        return Secrets.toStorage(unmasked, previous);
    }

    private static ApiProblem invalid(List<ConfigError> errors) {
        return ApiProblem.invalid("the config would be invalid: " + errors.size()
                + (errors.size() == 1 ? " error" : " errors"), errors);
    }

    /** Hashes new secrets, object by object against the stored object of the same id. */
    private static GatewayConfig storageForm(GatewayConfig proposed, Snapshot before) {
        return new GatewayConfig(proposed.routes(), proposed.upstreams(),
                proposed.consumers().stream().map(c -> (Consumer) Secrets.toStorage(c,
                        before.get(Kind.CONSUMER, c.id() == null ? "" : c.id()).map(StoredObject::value).orElse(null)))
                        .toList(),
                proposed.certificates(), proposed.globalPlugins());
    }

    /** Both validations (see the class comment), each error once, the proposal's first. */
    List<ConfigError> check(GatewayConfig proposed, GatewayConfig storage) {
        LinkedHashSet<ConfigError> all = new LinkedHashSet<>(validator.validate(proposed));
        all.addAll(validator.validate(storage));
        return List.copyOf(all);
    }

    private void count(String kind, String result) {
        metrics.write(kind, result);
    }
}
