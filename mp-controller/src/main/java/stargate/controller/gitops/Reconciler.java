package stargate.controller.gitops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Logger;
import stargate.controller.audit.Actor;
import stargate.controller.problem.ApiProblem;
import stargate.controller.rollout.Rollouts;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Leadership;
import stargate.controller.store.Secrets;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StoredObject;
import stargate.controller.write.ConfigService;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;
import stargate.model.rollout.Rollout;
import stargate.model.validate.ConfigError;

/**
 * One GitOps reconcile pass, Argo CD / Flux style: fetch the branch, read and merge the files of its
 * head commit, compute the config Git wants, compare it with etcd, apply the difference through
 * {@link ConfigService} (the one write path: one fenced transaction, audited, in the history) and
 * record the outcome in {@code <prefix>/gitops/status}.
 *
 * <p>The wanted config (design): the objects the commit declares, plus every object in etcd that Git
 * does not declare and does not own; Git-owned objects ({@code meta.owner == git}: the inventory)
 * that left Git are dropped (pruned), or kept when prune is off. API-created objects are never
 * touched. So one diff against etcd yields at once the new commit's changes, the prunes and any
 * drift (an API edit of a Git-owned object). Cost: one fetch, one read of the commit's files, two
 * validations of the whole config; O(config size).
 *
 * <p>Rules: a commit that failed (invalid, or refused by a guard) is not retried until a new commit
 * arrives, unless forced ({@code POST /gitops/sync}); transient failures (fetch, etcd) are retried
 * on the next pass. Without allow-empty, two guards refuse an apply: one that would delete every
 * route, and one that would prune more than half of the Git-owned objects (a wrong path or branch
 * reads as "Git declares nothing"; one API-created route keeps the first guard quiet, not the
 * second). Drift at the applied commit is reported as OutOfSync and reverted only with self-heal
 * (or a forced sync). Only the holder of the GitOps lock (an etcd
 * lease) applies; the others report standby. Not thread-safe: one pass at a time ({@link GitOps}
 * runs them on one thread).
 */
final class Reconciler {
    static final String STATUS_KEY = "gitops/status";
    static final String SUSPEND_KEY = "gitops/suspend";
    static final String LOCK_KEY = "gitops/lock";
    /** Failure reasons that wait for a new commit. */
    private static final Set<String> FINAL = Set.of("ValidationFailed", "EmptyRefused", "PruneRefused", "RolledBack",
            "RolloutAborted");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());

    /** A guard refused the apply (allow-empty is off); {@code reason} is the status reason. */
    private static final class Refused extends RuntimeException {
        private final String reason;

        Refused(String reason, String problem) {
            super(problem + "; refused: set --git-allow-empty to allow it");
            this.reason = reason;
        }
    }

    /** Git-owned objects that left Git, as {@code kind/id}: pruned (prune on) or kept (prune off). */
    private record Leaving(List<String> pruned, List<String> kept) {
        Leaving() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        void clear() {
            pruned.clear();
            kept.clear();
        }
    }

    private final GitSettings settings;
    private final GitSource source;
    private final ConfigService service;
    private final EtcdStore store;
    private final Rollouts rollouts;
    private final Leadership leadership;
    private final Clock clock;

    Reconciler(GitSettings settings, GitSource source, ConfigService service, EtcdStore store, Rollouts rollouts,
               Leadership leadership, Clock clock) {
        this.settings = settings;
        this.source = source;
        this.service = service;
        this.store = store;
        this.rollouts = rollouts;
        this.leadership = leadership;
        this.clock = clock;
    }

    /**
     * One pass.
     *
     * @param force retry even a commit that failed, and revert drift even without self-heal
     * @return the status as this controller sees it (see {@link #view})
     */
    ObjectNode reconcile(boolean force) {
        if (store.read(SUSPEND_KEY).isPresent()) {
            return view("suspended");
        }
        String leader = leadership.tryLead();
        if (!leader.equals(leadership.holder())) {
            return view("standby");
        }
        ObjectNode previous = stored(store);
        ObjectNode status = base(previous);
        if (previous.hasNonNull("rollout")) { // a commit is rolling out: nothing moves until it has ended
            ObjectNode rolling = rolloutOf(previous.get("rollout").asText());
            if (rolling != null && Rollout.State.valueOf(rolling.path("state").asText().toUpperCase(Locale.ROOT)).active()) {
                return view("leader");
            }
            status.remove("rollout");
            if (rolling != null) {
                status.set("last_rollout", rolling.deepCopy().retain("id", "state", "reason", "commit"));
                String rolled = rolling.path("commit").asText();
                String reason = rolling.path("reason").asText();
                switch (rolling.path("state").asText()) {
                    case "promoted" -> status.put("last_applied_commit", rolled); // this pass reads Synced
                    case "rolled_back" -> {
                        return finish(store, previous, failed(status, "RolledBack", "commit " + rolled + " was rolled back by "
                                + "rollout " + rolling.path("id").asText() + ": " + reason, List.of()));
                    }
                    default -> {
                        return finish(store, previous, failed(status, "RolloutAborted", "the rollout of commit " + rolled
                                + " (" + rolling.path("id").asText() + ") was " + reason, List.of()));
                    }
                }
            }
        }
        GitSource.Commit commit;
        try {
            commit = source.fetch();
        } catch (GitSource.GitFailure e) {
            return finish(store, previous, failed(status, "FetchFailed", e.getMessage(), List.of()));
        }
        status.put("last_attempted_commit", commit.id());
        status.put("commit_author", commit.author());
        status.put("commit_message", commit.message());
        if (!force && commit.id().equals(previous.path("last_attempted_commit").asText(null))
                && FINAL.contains(previous.path("reason").asText())) {
            return view("leader"); // a failed commit waits for the next one
        }
        ConfigFiles.Declared declared;
        try {
            declared = ConfigFiles.merge(source.yamlFiles(commit.id()));
        } catch (GitSource.GitFailure e) {
            return finish(store, previous, failed(status, "FetchFailed", e.getMessage(), List.of()));
        }
        if (!declared.errors().isEmpty()) {
            return finish(store, previous, failed(status, "ValidationFailed", "commit " + commit.id()
                    + " is not a valid config", declared.errors()));
        }
        Leaving leaving = new Leaving();
        GatewayConfig[] wanted = new GatewayConfig[1];
        Function<Snapshot, ConfigService.Proposal> propose = snapshot -> {
            leaving.clear();
            List<ConfigError> errors = new ArrayList<>();
            wanted[0] = wanted(snapshot, declared, leaving, errors);
            if (!settings.allowEmpty()) {
                guard(snapshot, wanted[0], leaving);
            }
            return new ConfigService.Proposal(wanted[0], errors);
        };
        Actor actor = Actor.git(commit.id());
        try {
            ConfigService.Outcome plan = service.write(null, null, true, actor, propose);
            inventory(status, declared, leaving.kept());
            boolean newCommit = !commit.id().equals(status.path("last_applied_commit").asText(null)); // a promotion sets it
            if (plan.changes().isEmpty()) {
                return finish(store, previous, synced(status, commit, "UpToDate", "etcd matches commit " + commit.id(),
                        plan.baseRevision()));
            }
            if (!newCommit && !settings.selfHeal() && !force) {
                status.put("sync", "OutOfSync").put("reason", "Drift").put("message", "etcd differs from commit "
                        + commit.id() + " (" + plan.changes().size() + " object(s)); self-heal is off: sync to revert");
                status.putArray("errors");
                drift(status, plan.changes());
                return finish(store, previous, status);
            }
            if (newCommit && settings.rollout().isPresent()) {
                return finish(store, previous, rollingOut(status, commit, plan, actor));
            }
            ConfigService.Outcome applied = service.write(null, null, false, actor, propose);
            inventory(status, declared, leaving.kept());
            String what = newCommit ? "Applied" : "DriftReverted";
            LOG.info(() -> "GitOps: " + what + " " + commit.id() + " at revision " + applied.revision() + ": "
                    + stargate.model.diff.ConfigDiff.summary(applied.changes()));
            ObjectNode done = synced(status, commit, what, what.equals("Applied") ? "applied commit " + commit.id()
                    : "reverted drift to commit " + commit.id(), applied.revision());
            done.put("last_change", stargate.model.diff.ConfigDiff.summary(applied.changes()));
            return finish(store, previous, done);
        } catch (Refused e) {
            return finish(store, previous, failed(status, e.reason, "commit " + commit.id() + " " + e.getMessage(), List.of()));
        } catch (ApiProblem p) {
            if (p.status() == 400) {
                return finish(store, previous, failed(status, "ValidationFailed", "commit " + commit.id()
                        + " would make the config invalid", declared.locate(p.errors(), wanted[0])));
            }
            return finish(store, previous, failed(status, "ApplyFailed", p.getMessage(), List.of()));
        }
    }

    /**
     * Starts the rollout of a new commit's change (a dry run's, so validated and guarded as an apply
     * would be); its promotion writes it as the commit's apply. The status says OutOfSync until it
     * has ended.
     *
     * @throws ApiProblem 409 while another rollout runs or no node matches the selector: tried again next pass
     */
    private ObjectNode rollingOut(ObjectNode status, GitSource.Commit commit, ConfigService.Outcome plan, Actor actor) {
        ObjectNode started = rollouts.start(plan.changes(), plan.baseRevision(),
                rollouts.policy(settings.rolloutPolicy().orElse(null)), actor);
        String id = started.path("id").asText();
        LOG.info(() -> "GitOps: commit " + commit.id() + " rolls out as " + id + ": " + started.path("summary").asText()
                + " on canaries " + started.path("canaries"));
        status.put("sync", "OutOfSync").put("reason", "RollingOut").put("message", "commit " + commit.id()
                + " is rolling out as " + id + " on canaries " + started.path("canaries") + "; it is applied when promoted");
        status.put("rollout", id);
        status.putArray("errors");
        return status;
    }

    /** The rollout as the API shows it; null when it is gone (trimmed, or etcd was cleared). */
    private ObjectNode rolloutOf(String id) {
        try {
            return rollouts.get(id);
        } catch (ApiProblem gone) {
            return null;
        }
    }

    /** @throws Refused when the wanted config deletes every route, or prunes more than half of what Git owns */
    private static void guard(Snapshot live, GatewayConfig wanted, Leaving leaving) {
        int routes = live.list(Kind.ROUTE).size();
        if (wanted.routes().isEmpty() && routes > 0) {
            throw new Refused("EmptyRefused", "would delete every route (" + routes + " now in etcd)");
        }
        long owned = Arrays.stream(Kind.values()).flatMap(kind -> live.list(kind).stream())
                .filter(o -> o.meta().gitOwned()).count();
        if (leaving.pruned().size() * 2L > owned) {
            throw new Refused("PruneRefused", "would prune " + leaving.pruned().size() + " of the " + owned
                    + " Git-owned objects (more than half: is --git-path or --git-branch wrong?)");
        }
    }

    /**
     * The config Git wants (see the class comment). Secrets sent as the API's mask keep the stored
     * ones, so a committed export applies as it is.
     */
    private GatewayConfig wanted(Snapshot live, ConfigFiles.Declared declared, Leaving leaving,
                                 List<ConfigError> errors) {
        GatewayConfig git = Secrets.unmask(declared.config(), (kind, id) -> stored(live, kind, id),
                (kind, index, id) -> declaredPath(declared, kind, id), errors);
        Map<String, JsonNode> plugins = git.globalPlugins();
        StoredObject livePlugins = live.get(Kind.GLOBAL_PLUGINS, "").orElse(null);
        if (plugins.isEmpty() && livePlugins != null && (!livePlugins.meta().gitOwned() || keep(livePlugins, leaving))) {
            @SuppressWarnings("unchecked")
            Map<String, JsonNode> kept = (Map<String, JsonNode>) livePlugins.value();
            plugins = kept;
        }
        return new GatewayConfig(
                withLive(git.routes(), live, Kind.ROUTE, Route.class, declared, leaving),
                withLive(git.upstreams(), live, Kind.UPSTREAM, Upstream.class, declared, leaving),
                withLive(git.consumers(), live, Kind.CONSUMER, Consumer.class, declared, leaving),
                withLive(git.certificates(), live, Kind.CERTIFICATE, Certificate.class, declared, leaving),
                plugins);
    }

    /** Git's objects first, then the live objects Git neither declares nor (when pruning) owns. */
    private <T> List<T> withLive(List<T> fromGit, Snapshot live, Kind kind, Class<T> type, ConfigFiles.Declared declared,
                                 Leaving leaving) {
        List<T> out = new ArrayList<>(fromGit);
        for (StoredObject o : live.list(kind)) {
            if (!declared.declares(kind, o.id()) && (!o.meta().gitOwned() || keep(o, leaving))) {
                out.add(type.cast(o.value()));
            }
        }
        return out;
    }

    /** A Git-owned object that left Git stays only when prune is off; either way it is listed in {@code leaving}. */
    private boolean keep(StoredObject gitOwned, Leaving leaving) {
        (settings.prune() ? leaving.pruned() : leaving.kept())
                .add(gitOwned.kind().key() + (gitOwned.id().isEmpty() ? "" : "/" + gitOwned.id()));
        return !settings.prune();
    }

    private static String declaredPath(ConfigFiles.Declared declared, Kind kind, String id) {
        ConfigFiles.Origin origin = declared.origins().get(kind.key() + "/" + id);
        return origin == null ? kind.key() : origin.file() + ": " + origin.path();
    }

    private static Object stored(Snapshot live, Kind kind, String id) {
        return id == null ? null : live.get(kind, id).map(StoredObject::value).orElse(null);
    }

    /** The status fields every pass sets. */
    private ObjectNode base(ObjectNode previous) {
        ObjectNode status = previous.deepCopy();
        status.put("repo", settings.url()).put("branch", settings.branch()).put("path", settings.path());
        status.put("self_heal", settings.selfHeal()).put("prune", settings.prune()).put("allow_empty", settings.allowEmpty());
        status.put("rollout_mode", settings.rollout().orElse("off"));
        status.put("controller", leadership.holder());
        status.remove("drift");
        status.remove("last_change");
        return status;
    }

    private ObjectNode synced(ObjectNode status, GitSource.Commit commit, String reason, String message, long revision) {
        status.put("sync", "Synced").put("reason", reason).put("message", message);
        status.put("last_applied_commit", commit.id());
        status.put("applied_revision", revision);
        status.putArray("errors");
        return status;
    }

    private static ObjectNode failed(ObjectNode status, String reason, String message, List<ConfigFiles.FileError> errors) {
        status.put("sync", "Failed").put("reason", reason).put("message", message);
        ArrayNode list = status.putArray("errors");
        for (ConfigFiles.FileError e : errors) {
            ObjectNode item = list.addObject();
            if (e.file() == null) {
                item.putNull("file");
            } else {
                item.put("file", e.file());
            }
            item.put("path", e.path()).put("message", e.message());
        }
        return status;
    }

    private static void drift(ObjectNode status, List<Change> changes) {
        ArrayNode drift = status.putArray("drift");
        changes.forEach(c -> drift.add(c.toString()));
    }

    private static void inventory(ObjectNode status, ConfigFiles.Declared declared, List<String> notPruned) {
        ArrayNode inventory = status.putArray("inventory");
        declared.origins().keySet().stream().filter(k -> !k.startsWith(Kind.GLOBAL_PLUGINS.key() + "/")).sorted()
                .forEach(inventory::add);
        if (!declared.config().globalPlugins().isEmpty()) {
            inventory.add(Kind.GLOBAL_PLUGINS.key());
        }
        ArrayNode kept = status.putArray("not_pruned");
        notPruned.stream().sorted().distinct().forEach(kept::add);
    }

    /**
     * Writes the status when it says something new (the sync time alone is not news: it would bump
     * the etcd revision every interval for nothing), and answers this controller's view of it.
     */
    private ObjectNode finish(EtcdStore store, ObjectNode previous, ObjectNode status) {
        ObjectNode withoutTime = status.deepCopy();
        withoutTime.remove("last_sync_at");
        ObjectNode previousWithoutTime = previous.deepCopy();
        previousWithoutTime.remove("last_sync_at");
        if (!Objects.equals(withoutTime, previousWithoutTime)) {
            status.put("last_sync_at", clock.instant().toString());
            store.put(STATUS_KEY, status.toString());
            if ("Failed".equals(status.path("sync").asText())) {
                LOG.warning(() -> "GitOps: " + status.path("reason").asText() + ": " + status.path("message").asText()
                        + " " + status.path("errors"));
            }
        }
        return view("leader");
    }

    /**
     * The shared status from etcd, plus this controller's part: its {@code role} (leader, standby,
     * suspended), its id ({@code this_controller}) and the current lock holder ({@code leader}).
     */
    ObjectNode view(String role) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode status = stored(store);
        if (!status.has("sync")) {
            out.put("sync", "Unknown");
            out.put("message", "no reconcile has finished yet");
        }
        out.setAll(status);
        out.put("role", role);
        out.put("this_controller", leadership.holder());
        out.put("leader", store.read(LOCK_KEY).map(EtcdStore.RawEntry::value).orElse(null));
        out.put("suspended", store.read(SUSPEND_KEY).isPresent());
        if (role.equals("standby")) {
            out.put("message_standby", "another controller holds the GitOps lock and applies; this one waits");
        }
        return out;
    }

    private static ObjectNode stored(EtcdStore store) {
        return store.read(STATUS_KEY).map(e -> {
            try {
                return (ObjectNode) JSON.readTree(e.value());
            } catch (JsonProcessingException | ClassCastException bad) {
                return JsonNodeFactory.instance.objectNode();
            }
        }).orElseGet(JsonNodeFactory.instance::objectNode);
    }

}
