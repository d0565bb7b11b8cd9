package stargate.node.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.codec.StreamedConfig;
import stargate.model.diff.Change;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;
import stargate.model.validate.ValidatedConfig;
import stargate.node.observe.Metrics;

/**
 * The one way a config reaches the request path, whatever its source (file or etcd): validate,
 * compile off the request path, publish with one swap, log one line. An invalid config is
 * rejected with one log line per error and the current snapshot keeps serving.
 *
 * <p>Two ways through (SPEC §12: one route change at 100,000 routes applied in 10 ms). A change of
 * up to {@link #INCREMENTAL_MAX_CHANGES} objects against the config being served is validated
 * ({@link ValidatedConfig#check}) and compiled ({@link SnapshotCompiler#compile(Snapshot, GatewayConfig, List, long, String)})
 * object by object: its cost follows the change. The first config, and bigger changes, are validated
 * and compiled whole, which costs the same as one change per object or less. A refused incremental
 * change is reported by the whole validation, so errors read the same either way. Not thread-safe:
 * one source applies (the file poller or etcd's applier thread).
 */
public final class ConfigApplier {
    private static final Logger LOG = Logger.getLogger(ConfigApplier.class.getName());
    /**
     * Above this many changed objects a change is validated and compiled whole. Measured at 100,000
     * routes (bench/README.md, ConfigApply): an incremental change costs about 0.1 ms per route, a whole
     * apply about a second, so the two meet far above this; past it the log and rejection paths of a
     * whole apply are the simpler ones for a change that big.
     */
    public static final int INCREMENTAL_MAX_CHANGES = 1_000;

    private final CurrentSnapshot current;
    private final SnapshotCompiler compiler;
    private final Metrics metrics;
    private final ConfigValidator validator;
    private final List<Consumer<Snapshot>> onApplied = new CopyOnWriteArrayList<>();
    /** The config being served with its validation state; null before the first apply. */
    private ValidatedConfig served;
    /** The rollout generation every snapshot published from now on counts on. */
    private volatile Generation generation = Generation.base();

    public ConfigApplier(CurrentSnapshot current, SnapshotCompiler compiler, Metrics metrics, ConfigValidator validator) {
        this.current = current;
        this.compiler = compiler;
        this.metrics = metrics;
        this.validator = validator;
    }

    /** Runs {@code listener} after each applied config (e.g. to load new TLS certificates). */
    public void onApplied(Consumer<Snapshot> listener) {
        onApplied.add(listener);
    }

    /**
     * The config being served, to check a change against ({@link ValidatedConfig#check}) before
     * {@link #apply(ValidatedConfig.Checked, long, String, String)}; null before the first apply.
     * Owned by the applying thread.
     */
    public ValidatedConfig served() {
        return served;
    }

    /**
     * Reads and applies a standalone file, streamed object by object (files up to 100 MiB, SPEC §21):
     * neither its text nor its whole tree is held. When it differs from the config being served in
     * a few objects, only those are validated and compiled. The report covers every error at once
     * (SPEC §13: the reading errors and the checks of meaning on the objects that did read); an
     * object's errors also name its line.
     *
     * @return every error that rejected it; empty when it was applied
     * @throws IOException when the file cannot be opened
     */
    public List<ConfigError> applyFile(Path file, ConfigCodec.Format format, long revision, String source)
            throws IOException {
        StreamedConfig read;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            read = ConfigCodec.stream(in, format);
        }
        return applyRead(read, revision, source);
    }

    /**
     * Applies a config streamed from a standalone file ({@link ConfigCodec#stream}), as
     * {@link #applyFile} does after reading it: for a caller that read the file itself (a node reads
     * its file while the rest of it starts).
     *
     * @return every error that rejected it; empty when it was applied
     */
    public List<ConfigError> applyRead(StreamedConfig read, long revision, String source) {
        List<Change> changes = served != null && !read.malformed() && read.errors().isEmpty()
                ? changes(served.config(), read.readable()) : null;
        if (changes != null) {
            if (changes.size() <= INCREMENTAL_MAX_CHANGES) {
                ValidatedConfig.Checked checked = served.check(changes);
                if (checked.isValid()) {
                    apply(checked, revision, source, ConfigDiff.summary(changes));
                    return List.of();
                }
            }
        }
        long started = System.nanoTime();
        Validated<ValidatedConfig> checked = validator.validated(read);
        if (!checked.isValid()) {
            return reject(checked.errors(), revision, source);
        }
        applyWhole(checked.value(), revision, source, null, System.nanoTime() - started);
        return List.of();
    }

    /** The differences by id; null when ids repeat (invalid: the whole validation reports where). */
    private static List<Change> changes(GatewayConfig before, GatewayConfig after) {
        try {
            return ConfigDiff.diff(before, after);
        } catch (IllegalArgumentException duplicateId) {
            return null;
        }
    }

    private List<ConfigError> reject(List<ConfigError> errors, long revision, String source) {
        metrics.configApplied(false, revision);
        for (ConfigError error : errors) {
            LOG.warning("event=config_rejected source=" + source + " revision=" + revision
                    + " error=\"" + error + "\"");
        }
        LOG.warning("event=config_rejected source=" + source + " revision=" + revision + " errors="
                + errors.size() + " action=kept_previous_config");
        return errors;
    }

    /**
     * Applies a config the caller has validated already with the same validator (etcd mode
     * validates object by object to keep each one's last good version), so it is not validated
     * twice; compiled whole.
     *
     * @return the published snapshot
     */
    public Snapshot applyValid(GatewayConfig config, long revision, String source) {
        return applyValid(config, revision, source, null);
    }

    /**
     * @param changes what changed, for the log line (e.g. {@code +1 route}), when the caller knows it;
     *                null = diff the previous and the new config here (O(n log n) in the objects)
     */
    public Snapshot applyValid(GatewayConfig config, long revision, String source, String changes) {
        return applyWhole(validator.trusted(config), revision, source, changes, -1);
    }

    /**
     * Compiles and publishes {@code valid} whole; it becomes {@link #served()}.
     *
     * @param validateNanos what validating it took here, for the log line (-1: validated by the caller)
     */
    private Snapshot applyWhole(ValidatedConfig valid, long revision, String source, String changes, long validateNanos) {
        long started = System.nanoTime();
        Snapshot previous = current.get();
        GatewayConfig config = valid.config();
        served = valid;
        Snapshot next = compiler.compile(config, revision, source);
        publish(next, source);
        metrics.retain(config);
        String diff = changes != null ? changes : previous == null ? ConfigDiff.summaryOfNew(config)
                : ConfigDiff.summary(ConfigDiff.diff(previous.config(), config));
        logApplied(next, diff, "whole", started, validateNanos);
        return next;
    }

    /**
     * Applies a change checked against {@link #served()} and found valid: only the changed objects
     * (and the routes of a changed upstream) are compiled, the rest of the snapshot is shared.
     *
     * @param summary what changed, for the log line (e.g. {@code +1 route})
     * @throws IllegalStateException when {@code checked} is invalid or was made before another apply
     */
    public Snapshot apply(ValidatedConfig.Checked checked, long revision, String source, String summary) {
        long started = System.nanoTime();
        Snapshot previous = current.get();
        GatewayConfig config = served.commit(checked);
        Snapshot next = previous == null ? compiler.compile(config, revision, source)
                : compiler.compile(previous, config, checked.changes(), revision, source);
        publish(next, source);
        List<String> routes = new ArrayList<>();
        List<String> upstreams = new ArrayList<>();
        for (Change change : checked.changes()) {
            if (change.after() == null && change.kind() == Kind.ROUTE) {
                routes.add(change.id());
            } else if (change.after() == null && change.kind() == Kind.UPSTREAM) {
                upstreams.add(change.id());
            }
        }
        metrics.drop(routes, upstreams);
        logApplied(next, summary, "incremental", started, -1);
        return next;
    }

    /** The generation requests count on (docs/rollout.md). */
    public Generation generation() {
        return generation;
    }

    /**
     * Snapshots published from now on count on {@code next}; the one being served keeps its own
     * (the caller is about to publish the config that belongs to {@code next}).
     */
    public void use(Generation next) {
        generation = next;
        LOG.info("event=generation_entered generation=" + next.label());
    }

    /**
     * Moves to another rollout generation with the same config: the snapshot being served is
     * published again on it (same compiled config, counters from zero).
     */
    public void enter(Generation next) {
        use(next);
        Snapshot now = current.get();
        if (now != null) {
            current.swap(now.withGeneration(next));
        }
    }

    private void publish(Snapshot compiled, String source) {
        Snapshot next = compiled.withGeneration(generation);
        current.swap(next);
        compiler.published(next);
        for (var listener : onApplied) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warning("event=config_apply_hook_failed source=" + source + " revision=" + next.revision()
                        + " error=\"" + e.getMessage() + "\"");
            }
        }
        metrics.configApplied(true, next.revision());
    }

    private static void logApplied(Snapshot next, String changes, String mode, long startedNanos, long validateNanos) {
        long micros = (System.nanoTime() - startedNanos) / 1_000;
        LOG.info("event=config_applied source=" + next.source() + " revision=" + next.revision()
                + " routes=" + next.config().routes().size() + " upstreams=" + next.config().upstreams().size()
                + " changes=\"" + changes + "\" mode=" + mode + " compile_ms=" + micros / 1_000
                + " compile_us=" + micros + (validateNanos >= 0 ? " validate_ms=" + validateNanos / 1_000_000 : ""));
    }
}
