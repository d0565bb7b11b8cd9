package stargate.controller.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import stargate.controller.audit.Actor;
import stargate.controller.audit.AuditLog;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Leadership;
import stargate.controller.write.ConfigService;
import stargate.model.diff.Change;
import stargate.model.rollout.Rollout;
import stargate.model.rollout.RolloutPolicy;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * Progressive rollouts (SPEC §22, docs/rollout.md). A write with {@code ?rollout=canary} is run as a
 * dry run (so it is validated, secrets hashed, exactly as a write) and its changes are stored as
 * {@code <prefix>/rollouts/<id>} instead of in the config folders, with the canary nodes chosen
 * now. Canary nodes serve the config folders with the change laid over them; the others serve the
 * folders; every node reports its generation's figures in its node key.
 *
 * <p>The bake loop runs once a {@link #TICK} on the controller holding {@link #LOCK_KEY} (one judge,
 * whichever controller a rollout was started on; a restarted or new leader picks up where the
 * last one stopped, since all state is in etcd). It rolls back on a breach ({@link Judgement}) as
 * soon as the canaries have served {@code min_requests}, and promotes once the bake is over: the
 * change goes through {@link ConfigService#write} like any whole-config write (validated against
 * the config of now, audited, in the history), between the states {@code promoting} and
 * {@code promoted}, so a controller that dies midway finishes the promotion when it comes back.
 *
 * <p>One rollout at a time: {@link #ACTIVE} names it and is created with it in one transaction.
 * Every state change is a compare-and-swap on the rollout's key (a hand promotion racing the bake
 * loop has one winner), and ending a rollout deletes {@link #ACTIVE} in the same transaction.
 */
@ApplicationScoped
public class Rollouts {
    public static final String FOLDER = "rollouts";
    /** Names the active rollout; exists only while one is. */
    static final String ACTIVE = "rollout_active";
    static final String LOCK_KEY = "rollouts_leader";
    /** Short: a new leader takes over a killed one's rollouts within it. */
    static final Duration LOCK_TTL = Duration.ofSeconds(5);
    static final Duration TICK = Duration.ofSeconds(1);
    /** Ended rollouts kept for {@code GET /rollouts}; older ones are deleted when a rollout starts. */
    static final int KEEP = 100;
    /** A rollout is one etcd value: well under etcd's 1.5 MiB request limit. */
    static final int MAX_BYTES = 1024 * 1024;
    private static final Logger LOG = Logger.getLogger(Rollouts.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Who ends a rollout when the bake loop does. */
    private static final Actor BAKE_LOOP = Actor.rollout("rollout", "controller", null);

    @Inject
    EtcdStore store;
    @Inject
    ConfigService service;
    @Inject
    Config config;

    private final Clock clock = Clock.systemUTC();
    private RolloutPolicy defaults = RolloutPolicy.DEFAULTS;
    private Leadership leadership;
    private ScheduledExecutorService executor;

    void start(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        defaults = defaults(config.getOptionalValue("stargate.rollout.policy", String.class).orElse(null));
        leadership = store.leadership(LOCK_KEY, ManagementFactory.getRuntimeMXBean().getName() + "-"
                + UUID.randomUUID().toString().substring(0, 8), LOCK_TTL);
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stargate-rollouts");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            leadership.close();
        }
    }

    /**
     * The default policy: {@code --rollout-policy JSON} over the built-in one.
     *
     * @throws IllegalArgumentException naming every bad key
     */
    public static RolloutPolicy defaults(String json) {
        if (json == null || json.isBlank()) {
            return RolloutPolicy.DEFAULTS;
        }
        Validated<RolloutPolicy> read;
        try {
            read = RolloutPolicy.read(JSON.readTree(json), RolloutPolicy.DEFAULTS, "rollout-policy");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (!read.isValid()) {
            throw new IllegalArgumentException(String.join("; ", read.errors().stream().map(ConfigError::toString).toList()));
        }
        return read.value();
    }

    /**
     * Whether a write asks for a rollout ({@code ?rollout=canary}).
     *
     * @throws ApiProblem 400 for any other value
     */
    public static boolean asked(String rollout) {
        if (rollout == null) {
            return false;
        }
        if (rollout.equals("canary")) {
            return true;
        }
        throw ApiProblem.badRequest("rollout must be canary", List.of(new ConfigError("rollout",
                "unknown rollout \"" + rollout + "\"; the one kind is canary")));
    }

    /**
     * The policy of a write that asks for a rollout, or null when it does not (REST's
     * {@code ?rollout=&rollout_policy=}, gRPC's fields of the same names).
     *
     * @throws ApiProblem 400 for a bad {@code rollout} or policy, or a policy without {@code rollout}
     */
    public RolloutPolicy policyFor(String rollout, String policyJson) {
        if (!asked(rollout)) {
            if (policyJson != null) {
                throw ApiProblem.badRequest("rollout_policy needs rollout=canary", List.of(new ConfigError("rollout_policy",
                        "given without rollout=canary")));
            }
            return null;
        }
        return policy(policyJson);
    }

    /**
     * The policy of a rollout: {@code ?rollout_policy=JSON} over the defaults.
     *
     * @throws ApiProblem 400 with every error's path
     */
    public RolloutPolicy policy(String json) {
        if (json == null || json.isBlank()) {
            return defaults;
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw ApiProblem.badRequest("rollout_policy is not JSON", List.of(new ConfigError("rollout_policy",
                    "expected a JSON object like {\"bake\": \"2m\"}")));
        }
        Validated<RolloutPolicy> read = RolloutPolicy.read(tree, defaults, "rollout_policy");
        if (!read.isValid()) {
            throw ApiProblem.invalid("invalid rollout_policy", read.errors());
        }
        return read.value();
    }

    /**
     * Starts a rollout of a validated change (a dry run's).
     *
     * @param baseRevision the config revision the change was validated against
     * @return the rollout as the API shows it
     * @throws ApiProblem 400 when the write changes nothing; 409 when no node matches the selector, or
     *                    another rollout is active; 413 when the change does not fit one etcd value
     */
    public ObjectNode start(List<Change> changes, long baseRevision, RolloutPolicy policy, Actor actor) {
        if (changes.isEmpty()) {
            throw ApiProblem.badRequest("the write changes nothing: there is nothing to roll out");
        }
        Optional<EtcdStore.RawEntry> active = store.read(ACTIVE);
        if (active.isPresent()) {
            throw busy(active.get().value());
        }
        long number = store.newest(FOLDER, null, 1).stream().mapToLong(e -> number(e.name())).findFirst().orElse(0) + 1;
        String id = String.format("r-%06d", number);
        List<String> canaries = canaries(policy, store.nodes().records(), id); // the id seeds the choice
        Rollout rollout = new Rollout(id, Rollout.State.BAKING, policy, baseRevision, canaries, changes,
                clock.instant(), actor.principal(), null, null, null, actor.commit());
        String value = rollout.toTree().toString();
        if (value.length() > MAX_BYTES) {
            throw new ApiProblem(413, "rollout-too-large", "Change too large for a rollout", "the change is "
                    + value.length() / 1024 + " KiB as a rollout, above " + MAX_BYTES / 1024 + " KiB (one etcd value); "
                    + "roll it out in parts, or write it without rollout", List.of());
        }
        Map<String, String> puts = new LinkedHashMap<>();
        puts.put(FOLDER + "/" + id, value);
        puts.put(ACTIVE, id);
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        canaries.forEach(details.putArray("canaries")::add);
        details.set("policy", policy.toTree());
        if (!store.event(List.of(new EtcdStore.Expected(FOLDER + "/" + id, 0), new EtcdStore.Expected(ACTIVE, 0)), puts,
                List.of(), AuditLog.FOLDER, id + "-1", n -> audit(n, rollout, actor, "rollout_started",
                        "started: " + rollout.summary() + " on canaries " + String.join(", ", canaries), changes, details))) {
            throw busy(store.read(ACTIVE).map(EtcdStore.RawEntry::value).orElse("another"));
        }
        LOG.info("event=rollout_started id=" + id + " by=" + actor.principal() + " changes=\"" + rollout.summary()
                + "\" canaries=" + canaries + " bake=" + policy.bake());
        trim();
        return view(rollout);
    }

    private static ApiProblem busy(String id) {
        return ApiProblem.conflict("rollout " + id + " is in progress: promote or abort it first "
                + "(POST /api/v1/rollouts/" + id + "/promote or /abort)", List.of());
    }

    /**
     * The canaries: the nodes the selector matches, ranked by a hash of the rollout id and the node
     * id (stable for a rollout, different across rollouts, so the same few nodes do not always go
     * first), the first {@code canary_percent} of them, at least one.
     */
    static List<String> canaries(RolloutPolicy policy, Map<String, String> nodeRecords, String seed) {
        List<String> candidates = new ArrayList<>();
        Map<String, Map<String, String>> labelsById = new TreeMap<>();
        nodeRecords.forEach((id, text) -> {
            Map<String, String> labels = new TreeMap<>();
            try {
                JSON.readTree(text).path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            } catch (java.io.IOException e) {
                return;
            }
            labelsById.put(id, labels);
            if (policy.selects(labels)) {
                candidates.add(id);
            }
        });
        if (candidates.isEmpty()) {
            throw ApiProblem.conflict("no registered node matches canary_selector " + policy.canarySelector()
                    + "; nodes and their labels: " + labelsById + " (label nodes with --node-labels)", List.of());
        }
        candidates.sort(Comparator.comparing((String node) -> rank(seed, node)).thenComparing(node -> node));
        int count = (int) Math.max(1, Math.ceil(candidates.size() * policy.canaryPercent() / 100.0));
        return List.copyOf(candidates.subList(0, count));
    }

    private static String rank(String seed, String node) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((seed + "/" + node).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static long number(String id) {
        try {
            return Long.parseLong(id.substring(id.indexOf('-') + 1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Every rollout, newest first (at most {@link #KEEP} ended ones and the active one). */
    public ObjectNode list() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode items = out.putArray("items");
        for (EtcdStore.RawEntry e : store.newest(FOLDER, null, KEEP + 1)) {
            try {
                items.add(view(Rollout.read(e.value())));
            } catch (IllegalArgumentException unreadable) {
                items.add(JsonNodeFactory.instance.objectNode().put("id", e.name()).put("state", "unreadable")
                        .put("reason", unreadable.getMessage()));
            }
        }
        return out;
    }

    /** @throws ApiProblem 404 */
    public ObjectNode get(String id) {
        return view(read(id).rollout());
    }

    /** A rollout as the API shows it: no objects (secrets), and the live figures while it is active. */
    private ObjectNode view(Rollout r) {
        ObjectNode out = r.header();
        out.put("bake_ends_at", r.createdAt().plus(r.policy().bake()).toString());
        if (r.state().active()) {
            out.set("figures", Judgement.of(r, store.nodes().records()).toTree());
        }
        ArrayNode changes = out.putArray("changes");
        for (Change c : r.changes()) {
            changes.addObject().put("op", c.op().name().toLowerCase(java.util.Locale.ROOT)).put("kind", c.kind().key())
                    .put("id", c.id());
        }
        return out;
    }

    private record Stored(Rollout rollout, long modRevision) {
    }

    private Stored read(String id) {
        if (!id.matches("r-\\d{1,18}")) {
            throw ApiProblem.notFound("no rollout \"" + id + "\"");
        }
        EtcdStore.RawEntry raw = store.read(FOLDER + "/" + id).orElseThrow(() -> ApiProblem.notFound("no rollout \"" + id + "\""));
        return new Stored(Rollout.read(raw.value()), raw.modRevision());
    }

    /**
     * Promotes by hand, before the bake is over (or finishes a promotion a dead controller began).
     *
     * @throws ApiProblem 404, 409 when the rollout has ended or changed meanwhile
     */
    public ObjectNode promote(String id, Actor actor) {
        Stored s = read(id);
        if (!s.rollout().state().active()) {
            throw ended(s.rollout());
        }
        return view(promote(s, actor, "promoted by " + actor.principal()));
    }

    /** @throws ApiProblem 404, 409 when it has ended or is being promoted */
    public ObjectNode abort(String id, Actor actor) {
        Stored s = read(id);
        if (s.rollout().state() != Rollout.State.BAKING) {
            throw ended(s.rollout());
        }
        Judgement figures = Judgement.of(s.rollout(), store.nodes().records());
        return view(end(s, Rollout.State.ABORTED, "aborted by " + actor.principal(), figures, actor));
    }

    private static ApiProblem ended(Rollout r) {
        return ApiProblem.conflict("rollout " + r.id() + " is " + r.state().label()
                + (r.reason() == null ? "" : " (" + r.reason() + ")"), List.of());
    }

    /**
     * Moves a baking rollout to an end state, audited in the same transaction (who ended it, why, and
     * the figures it was judged on); the canaries drop the change.
     */
    private Rollout end(Stored s, Rollout.State to, String reason, Judgement figures, Actor actor) {
        Rollout next = s.rollout().moved(to, clock.instant(), reason, figures == null ? null : figures.toTree());
        String key = FOLDER + "/" + next.id();
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("reason", reason);
        details.set("verdict", next.verdict());
        String ended = to.label().replace('_', ' ');
        String summary = reason.startsWith(ended) ? reason : ended + ": " + reason; // "aborted by alice"
        if (!store.event(List.of(new EtcdStore.Expected(key, s.modRevision())), Map.of(key, next.toTree().toString()),
                List.of(ACTIVE), AuditLog.FOLDER, next.id() + "-2", number -> audit(number, next, actor,
                        "rollout_" + to.label(), summary, next.changes(), details))) {
            throw ApiProblem.conflict("rollout " + next.id() + " changed meanwhile; read it again", List.of());
        }
        LOG.info("event=rollout_" + to.label() + " id=" + next.id() + " reason=\"" + reason + "\""
                + (figures == null ? "" : " figures=" + figures.toTree()));
        return next;
    }

    /**
     * A rollout event's audit entry: {@code rollout r-000007 <what>}, with the rollout's id (and
     * commit); its source is {@code rollout} whoever caused it, so one filter finds every event.
     */
    private String audit(long number, Rollout r, Actor actor, String event, String what, List<Change> changes,
                         ObjectNode details) {
        ObjectNode about = JsonNodeFactory.instance.objectNode().put("rollout", r.id());
        if (r.commit() != null) {
            about.put("rollout_commit", r.commit());
        }
        about.setAll(details);
        return AuditLog.event(number, Actor.rollout(actor.principal(), actor.from(), null), clock.instant(), event,
                "rollout " + r.id() + " " + what, changes, about);
    }

    /**
     * Writes the change to the config folders through the normal write path, between
     * {@code promoting} and {@code promoted}. A change that no longer fits the config (it moved on
     * meanwhile) rolls the rollout back with the validation errors.
     */
    private Rollout promote(Stored s, Actor by, String reason) {
        Stored promoting = s;
        Judgement figures = Judgement.of(s.rollout(), store.nodes().records());
        if (s.rollout().state() == Rollout.State.BAKING) {
            Rollout next = s.rollout().moved(Rollout.State.PROMOTING, null, null, null);
            String key = FOLDER + "/" + next.id();
            if (!store.replace(key, s.modRevision(), next.toTree().toString(), List.of())) {
                throw ApiProblem.conflict("rollout " + next.id() + " changed meanwhile; read it again", List.of());
            }
            promoting = new Stored(next, store.read(key).map(EtcdStore.RawEntry::modRevision).orElse(0L));
        }
        Rollout r = promoting.rollout();
        String note = "rollout " + r.id() + ": " + reason;
        // a Git commit's change is written as that commit's apply, so its objects are Git-owned (docs/gitops.md)
        Actor actor = r.commit() != null ? Actor.git(r.commit(), note) : Actor.rollout(by.principal(), by.from(), note);
        ConfigService.Outcome outcome;
        try {
            outcome = service.write(null, null, false, actor,
                    snapshot -> new ConfigService.Proposal(r.overlay(snapshot.config()), List.of(), true));
        } catch (ApiProblem problem) {
            String why = "promotion refused: " + problem.getMessage() + (problem.errors().isEmpty() ? ""
                    : " " + problem.errors().stream().map(ConfigError::toString).toList());
            end(promoting, Rollout.State.ROLLED_BACK, why, figures, by);
            throw problem;
        }
        return end(promoting, Rollout.State.PROMOTED, reason + "; written at revision " + outcome.revision(), figures, by);
    }

    /** One pass of the bake loop: judge the active rollout, if this controller leads. */
    void tick() {
        try {
            Optional<EtcdStore.RawEntry> active = store.read(ACTIVE);
            if (active.isEmpty()) {
                return; // nothing to judge: no leader key, no lease kept alive while no rollout runs
            }
            if (!leadership.tryLead().equals(leadership.holder())) {
                return;
            }
            Stored s;
            try {
                s = read(active.get().value());
            } catch (ApiProblem gone) { // cannot happen through this class: the guard outlived its rollout
                store.delete(ACTIVE);
                return;
            }
            Rollout r = s.rollout();
            if (r.state() == Rollout.State.PROMOTING) {
                LOG.info("event=rollout_promotion_resumed id=" + r.id());
                promote(s, BAKE_LOOP, "promotion resumed");
                return;
            }
            Judgement j = Judgement.of(r, store.nodes().records());
            if (j.breach() != null) {
                end(s, Rollout.State.ROLLED_BACK, j.breach(), j, BAKE_LOOP);
            } else if (!clock.instant().isBefore(r.createdAt().plus(r.policy().bake())) && j.enough()) {
                promote(s, BAKE_LOOP, "bake of " + r.policy().bake().toSeconds() + " s passed");
            }
        } catch (RuntimeException e) { // etcd away, a race lost: the next tick tries again
            LOG.log(Level.WARNING, "event=rollout_tick_failed error=\"" + e.getMessage() + "\"");
        }
    }

    /** Deletes the oldest ended rollouts beyond {@link #KEEP}. */
    private void trim() {
        List<EtcdStore.RawEntry> newest = store.newest(FOLDER, null, KEEP + 1);
        if (newest.size() <= KEEP) {
            return;
        }
        for (EtcdStore.RawEntry old : store.newest(FOLDER, newest.get(KEEP - 1).name(), 1000)) {
            store.delete(FOLDER + "/" + old.name());
        }
    }
}
