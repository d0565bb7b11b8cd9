package stargate.controller.gitops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.ServiceUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import stargate.controller.rollout.Rollouts;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Leadership;
import stargate.controller.store.StoreUnavailableException;
import stargate.controller.telemetry.Telemetry;
import stargate.controller.write.ConfigService;

/**
 * The GitOps reconciler's life in the controller: built from {@code stargate.git.*} when
 * {@code --git} is given, a pass at start-up and then every {@code --git-interval}, plus one per
 * {@code POST /gitops/sync} (forced, answered when done) and per verified webhook (queued).
 *
 * <p>Why a {@link ScheduledExecutorService} and not MicroProfile {@code @FixedRate}: the interval is
 * a runtime flag ({@code 30s}), while {@code @FixedRate} takes a compile-time constant (overridable
 * only through a per-method config key in its own units); and every pass, timed or triggered, must
 * run on one thread so two passes never interleave in one controller. One single-thread executor
 * gives both. Passes in different controllers are kept apart by the etcd lock ({@link Leadership}).
 */
@ApplicationScoped
public class GitOps {
    /** Lease TTL of the GitOps lock: how long a dead leader blocks the others. */
    static final Duration LOCK_TTL = Duration.ofSeconds(15);
    /** The longest a forced sync waits for its pass (a fetch has its own 60 s timeout). */
    private static final Duration SYNC_WAIT = Duration.ofSeconds(120);
    private static final Logger LOG = Logger.getLogger(GitOps.class.getName());

    @Inject
    ConfigService service;
    @Inject
    EtcdStore store;
    @Inject
    Rollouts rollouts;
    @Inject
    Config config;

    private GitSettings settings;
    private GitSource source;
    private Leadership leadership;
    private Reconciler reconciler;
    private ScheduledExecutorService executor;
    private volatile Instant lastCheckedAt;
    /** The sync status seen by this controller's last finished pass ({@code Unknown} before one). */
    private volatile String lastSync = "Unknown";

    /**
     * The GitOps sync status for {@code /metrics}.
     *
     * @param repo   the repository URL without credentials
     * @param status {@code Synced}, {@code OutOfSync}, {@code Failed} or {@code Unknown}
     */
    public record SyncStatus(String repo, String branch, String path, String status) {
    }

    void start(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        Optional<GitSettings> configured = GitSettings.from(config);
        if (configured.isEmpty()) {
            return;
        }
        settings = configured.get();
        source = new GitSource(settings);
        leadership = store.leadership(Reconciler.LOCK_KEY, controllerId(), LOCK_TTL);
        reconciler = new Reconciler(settings, source, service, store, rollouts, leadership, Clock.systemUTC());
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stargate-gitops");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> pass(false), 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(() -> "GitOps: following " + settings.url() + " branch " + settings.branch() + " path /" + settings.path()
                + " every " + settings.interval() + " as " + leadership.holder() + " (self-heal " + settings.selfHeal()
                + ", prune " + settings.prune() + ", allow-empty " + settings.allowEmpty() + ", rollout "
                + settings.rollout().orElse("off") + ")");
    }

    void stop(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        if (executor != null) {
            executor.shutdownNow();
            leadership.close();
            source.close();
        }
    }

    /** Whether {@code --git} is configured. */
    public boolean enabled() {
        return reconciler != null;
    }

    /** The status as this controller sees it; {@code {"enabled": false}} without GitOps. */
    public ObjectNode status() {
        if (!enabled()) {
            return JsonNodeFactory.instance.objectNode().put("enabled", false);
        }
        ObjectNode view = reconciler.view(leadership.holder().equals(store.read(Reconciler.LOCK_KEY)
                .map(e -> e.value()).orElse("")) ? "leader" : "standby");
        return withLocal(view);
    }

    /**
     * The sync status as of this controller's last pass (leader or standby: each reads the shared status every
     * interval), without a call to etcd; empty without GitOps.
     */
    public Optional<SyncStatus> lastSync() {
        if (!enabled()) {
            return Optional.empty();
        }
        return Optional.of(new SyncStatus(withoutCredentials(settings.url()), settings.branch(), settings.path(), lastSync));
    }

    /** {@code https://user:token@host/x} → {@code https://host/x}: a metric label is no place for a secret. */
    static String withoutCredentials(String url) {
        int authority = url.indexOf("://");
        if (authority < 0) {
            return url; // scp-like git@host:repo: the user is a login name, not a secret
        }
        authority += 3;
        int end = url.indexOf('/', authority);
        int at = url.lastIndexOf('@', end < 0 ? url.length() - 1 : end);
        return at < authority ? url : url.substring(0, authority) + url.substring(at + 1);
    }

    /** A forced pass (retries a failed commit, reverts drift), answered when it is done. */
    public ObjectNode sync() {
        // the caller's span goes with the pass, so an API sync and its etcd writes are one trace
        Future<ObjectNode> pass = executor.submit(Context.current().wrap(() -> pass(true)));
        try {
            return withLocal(pass.get(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            pass.cancel(true);
            throw new ServiceUnavailableException("the sync did not finish within " + SYNC_WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Queues a pass (a webhook: the push is news, but nobody waits for the apply). */
    public void trigger() {
        executor.execute(() -> pass(false));
    }

    /** Verifies a webhook body against {@code --git-secret-file}; false when no secret is configured. */
    public boolean verify(byte[] body, String signature) {
        if (settings.secretFile().isEmpty()) {
            return false;
        }
        try {
            return WebhookSignature.verify(Files.readString(settings.secretFile().get()).trim().getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), body, signature);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the webhook secret file", e);
        }
    }

    /** Whether a webhook secret is configured. */
    public boolean webhookConfigured() {
        return settings.secretFile().isPresent();
    }

    /** Pauses (or resumes) every controller's applies and drift correction: shared through etcd. */
    public void suspend(boolean suspend, String by) {
        if (suspend) {
            store.put(Reconciler.SUSPEND_KEY, JsonNodeFactory.instance.objectNode()
                    .put("by", by).put("at", Instant.now().toString()).toString());
        } else {
            store.delete(Reconciler.SUSPEND_KEY);
        }
    }

    public boolean suspended() {
        return store.read(Reconciler.SUSPEND_KEY).isPresent();
    }

    private ObjectNode pass(boolean force) {
        try {
            ObjectNode view = Telemetry.gitSync(force, () -> reconciler.reconcile(force));
            if (view != null && view.hasNonNull("sync")) {
                lastSync = view.get("sync").asText();
            }
            return view;
        } catch (StoreUnavailableException e) {
            LOG.warning(() -> "GitOps: etcd unavailable, retrying at the next interval: " + e.getMessage());
            if (force) {
                throw e;
            }
            return null;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "GitOps: pass failed", e);
            if (force) {
                throw e;
            }
            return null; // a timed pass must never throw: the executor would stop scheduling
        } finally {
            lastCheckedAt = Instant.now();
        }
    }

    private ObjectNode withLocal(ObjectNode view) {
        Instant checked = lastCheckedAt;
        view.put("last_checked_at", checked == null ? null : checked.toString());
        view.put("interval", settings.interval().toString());
        return view;
    }

    /** Unique per process: host, pid and a random part (a restarted controller is a new holder). */
    private static String controllerId() {
        return ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
