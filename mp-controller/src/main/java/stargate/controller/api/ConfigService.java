package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import stargate.controller.audit.Actor;
import stargate.controller.audit.AuditLog;
import stargate.controller.history.History;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Meta;
import stargate.controller.store.Secrets;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StoreUnavailableException;
import stargate.controller.store.StoredObject;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/**
 * The one write path of the admin API: snapshot, propose, validate the whole result, diff, commit.
 *
 * <p>A write reads the whole config at one revision, lets the caller build the config it wants
 * (with new secrets still plain), and validates that whole config twice: once as proposed, so
 * rules on plain secrets (key length) apply, and once in storage form, so a new API key that
 * hashes to a stored one is caught as a duplicate. Then it diffs against the snapshot and commits
 * only the changed objects in one etcd transaction fenced on the snapshot (see {@link EtcdStore}).
 * A lost race re-runs the whole cycle, at most {@value #ATTEMPTS} times. Cost per write: one
 * range read and two validations of the whole config, O(config size); writes are rare.
 */
@ApplicationScoped
public class ConfigService {
    /** Read-validate-commit cycles before a write that keeps losing races gives up with 409. */
    static final int ATTEMPTS = 5;

    /** Which object a write is about (null for whole-config writes): its If-Match and error paths refer to it. */
    public record Focus(Kind kind, String id) {
    }

    /**
     * What a write wants.
     *
     * @param config      the whole config after the write; new secrets plain, kept ones in storage form
     * @param errors      errors found while building it (e.g. a mask with no stored secret), paths relative to the focus
     * @param storageForm the config is all in storage form already (a rollback to a stored config): hash nothing
     */
    public record Proposal(GatewayConfig config, List<ConfigError> errors, boolean storageForm) {
        public Proposal(GatewayConfig config, List<ConfigError> errors) {
            this(config, errors, false);
        }
    }

    /**
     * @param before   the snapshot the write was validated against
     * @param changes  storage-form changes from {@code before}
     * @param revision the etcd revision of the commit; -1 for a dry run
     * @param metas    the metadata written with each changed object, by {@code kind/id}
     */
    public record Outcome(Snapshot before, List<Change> changes, long revision, Map<String, Meta> metas) {
    }

    @Inject
    EtcdStore store;
    @Inject
    MetricRegistry metrics;
    /** History entries kept (each the whole config after a write). */
    @Inject
    @ConfigProperty(name = "stargate.history.keep", defaultValue = "20")
    int historyKeep;
    /** Audit entries kept. */
    @Inject
    @ConfigProperty(name = "stargate.audit.keep", defaultValue = "1000")
    int auditKeep;
    private final ConfigValidator validator = ConfigValidator.create();
    private final Clock clock = Clock.systemUTC();

    public Snapshot snapshot() {
        return store.snapshot();
    }

    public EtcdStore store() {
        return store;
    }

    public ConfigValidator validator() {
        return validator;
    }

    /**
     * Validates and commits one write; a write that changes something also leaves its audit and
     * history entries, in the same transaction. Objects written by a Git apply become Git-owned and
     * carry its commit ({@link Meta#applied}); API writes keep an object's owner ({@link Meta#written}).
     *
     * @param ifMatch the revision the focus object (or, without focus, the whole config) must still
     *                have; null = any; 0 = must not exist
     * @param propose builds the wanted config from a fresh snapshot; may run more than once (lost races)
     * @throws ApiProblem 400 invalid (every error with its path), 409 after losing races, 412 If-Match
     */
    public Outcome write(Focus focus, Long ifMatch, boolean dryRun, Actor actor, Function<Snapshot, Proposal> propose) {
        String kindLabel = focus == null ? "config" : focus.kind().key();
        try {
            Outcome outcome = attempt(focus, ifMatch, dryRun, actor, propose);
            count(kindLabel, dryRun ? "dry_run" : "ok");
            return outcome;
        } catch (ApiProblem p) {
            count(kindLabel, p.slug());
            throw p;
        } catch (StoreUnavailableException e) {
            count(kindLabel, "etcd-unavailable");
            throw e;
        }
    }

    private Outcome attempt(Focus focus, Long ifMatch, boolean dryRun, Actor actor,
                            Function<Snapshot, Proposal> propose) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Snapshot before = store.snapshot();
            long current = focus == null ? before.fenceRevision()
                    : before.get(focus.kind(), focus.id()).map(StoredObject::modRevision).orElse(0L);
            if (ifMatch != null && ifMatch != current) {
                throw ApiProblem.preconditionFailed("If-Match " + ifMatch + " but the current revision is " + current);
            }
            Proposal proposal = propose.apply(before);
            GatewayConfig storage = proposal.storageForm() ? proposal.config() : storageForm(proposal.config(), before);
            List<ConfigError> errors = new ArrayList<>(proposal.errors());
            errors.addAll(relative(focus, proposal.config(), proposal.storageForm() ? validator.validate(storage)
                    : check(proposal.config(), storage)));
            if (!errors.isEmpty()) {
                throw ApiProblem.invalid("the config would be invalid: " + errors.size()
                        + (errors.size() == 1 ? " error" : " errors"), errors);
            }
            List<Change> changes = ConfigDiff.diff(before.config(), storage);
            if (dryRun) {
                return new Outcome(before, changes, -1, Map.of());
            }
            Instant now = clock.instant();
            List<EtcdStore.Write> writes = new ArrayList<>();
            Map<String, Meta> metas = new HashMap<>();
            for (Change c : changes) {
                StoredObject previous = before.get(c.kind(), c.id()).orElse(null);
                Meta old = previous == null ? null : previous.meta();
                Meta meta = actor.commit() != null ? Meta.applied(old, now, actor.principal(), actor.commit())
                        : Meta.written(old, now, actor.principal());
                metas.put(c.kind().key() + "/" + c.id(), meta);
                writes.add(new EtcdStore.Write(c.kind(), c.id(), c.after(), meta,
                        previous == null ? 0 : previous.modRevision()));
            }
            if (writes.isEmpty()) {
                return new Outcome(before, changes, before.revision(), metas);
            }
            String summary = ConfigDiff.summary(changes);
            long number = before.writes() + 1;
            long revision = store.commit(before, writes, summary, actor.principal(), now, List.of(
                    AuditLog.entry(number, actor, now, summary, changes, auditKeep),
                    History.entry(number, actor, now, summary, storage, historyKeep)));
            if (revision > 0) {
                return new Outcome(before, changes, revision, metas);
            }
        }
        throw ApiProblem.conflict("the config kept changing while this write was validated; retry", List.of());
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

    /**
     * Error paths inside the focus object become relative to it, as the request body is the object
     * ({@code routes[3].upstream} -> {@code upstream}); other paths stay config-wide, whose lists
     * are in id order as {@code GET /config} exports them.
     */
    private static List<ConfigError> relative(Focus focus, GatewayConfig config, List<ConfigError> errors) {
        if (focus == null) {
            return errors;
        }
        String at = focus.kind() == Kind.GLOBAL_PLUGINS ? Kind.GLOBAL_PLUGINS.key()
                : focus.kind().key() + "[" + indexOf(focus, config) + "]";
        return errors.stream().map(e -> e.path().equals(at) ? new ConfigError("", e.message())
                : e.path().startsWith(at + ".") ? new ConfigError(e.path().substring(at.length() + 1), e.message())
                : e).toList();
    }

    private static int indexOf(Focus focus, GatewayConfig config) {
        List<String> ids = switch (focus.kind()) {
            case ROUTE -> config.routes().stream().map(Route::id).toList();
            case UPSTREAM -> config.upstreams().stream().map(Upstream::id).toList();
            case CONSUMER -> config.consumers().stream().map(Consumer::id).toList();
            case CERTIFICATE -> config.certificates().stream().map(Certificate::id).toList();
            case GLOBAL_PLUGINS -> List.of();
        };
        return ids.indexOf(focus.id());
    }

    private void count(String kind, String result) {
        metrics.counter("stargate_controller_writes", new Tag("kind", kind), new Tag("result", result)).inc();
    }
}
