package stargate.node.config;

import java.util.List;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;
import stargate.node.observe.Metrics;

/**
 * The one way a config reaches the request path, whatever its source (file or etcd): validate,
 * compile off the request path, publish with one swap, log one line. An invalid config is
 * rejected with one log line per error and the current snapshot keeps serving.
 */
public final class ConfigApplier {
    private static final Logger LOG = Logger.getLogger(ConfigApplier.class.getName());

    private final CurrentSnapshot current;
    private final SnapshotCompiler compiler;
    private final Metrics metrics;
    private final ConfigValidator validator;
    private final List<java.util.function.Consumer<Snapshot>> onApplied = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ConfigApplier(CurrentSnapshot current, SnapshotCompiler compiler, Metrics metrics, ConfigValidator validator) {
        this.current = current;
        this.compiler = compiler;
        this.metrics = metrics;
        this.validator = validator;
    }

    /** Runs {@code listener} after each applied config (e.g. to load new TLS certificates). */
    public void onApplied(java.util.function.Consumer<Snapshot> listener) {
        onApplied.add(listener);
    }

    /**
     * Reads and applies a standalone file, streamed object by object (files up to 100 MiB, SPEC §21):
     * neither its text nor its whole tree is held. The report covers every error at once (SPEC §13: the
     * reading errors and the checks of meaning on the objects that did read); an object's errors also
     * name its line.
     *
     * @return every error that rejected it; empty when it was applied
     * @throws java.io.IOException when the file cannot be opened
     */
    public List<ConfigError> applyFile(java.nio.file.Path file, ConfigCodec.Format format, long revision, String source)
            throws java.io.IOException {
        Validated<GatewayConfig> checked = validator.check(
                java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8), format);
        if (!checked.isValid()) {
            return reject(checked.errors(), revision, source);
        }
        applyValid(checked.value(), revision, source);
        return List.of();
    }

    /**
     * Applies a config that was read from {@code source}.
     *
     * @param parsed the parsed config, or the errors that stopped parsing
     * @return every error that rejected it; empty when it was applied
     */
    public List<ConfigError> apply(Validated<GatewayConfig> parsed, long revision, String source) {
        List<ConfigError> errors = parsed.isValid() ? validator.validate(parsed.value()) : parsed.errors();
        if (!errors.isEmpty()) {
            return reject(errors, revision, source);
        }
        applyValid(parsed.value(), revision, source);
        return List.of();
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
     * validates object by object to keep each one's last good version), so it is not validated twice.
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
        long started = System.nanoTime();
        Snapshot next = compiler.compile(config, revision, source);
        Snapshot previous = current.swap(next);
        compiler.published(next);
        metrics.retain(config);
        for (var listener : onApplied) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warning("event=config_apply_hook_failed source=" + source + " revision=" + revision
                        + " error=\"" + e.getMessage() + "\"");
            }
        }
        metrics.configApplied(true, revision);
        String diff = changes != null ? changes
                : ConfigDiff.summary(ConfigDiff.diff(previous == null ? GatewayConfig.EMPTY : previous.config(), config));
        LOG.info("event=config_applied source=" + source + " revision=" + revision + " routes=" + config.routes().size()
                + " upstreams=" + config.upstreams().size() + " changes=\"" + diff + "\" compile_ms="
                + (System.nanoTime() - started) / 1_000_000);
        return next;
    }
}
