package stargate.node;

import io.helidon.metrics.api.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.node.config.ConfigApplier;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.Snapshot;
import stargate.node.config.SnapshotCompiler;
import stargate.node.listener.Listeners;
import stargate.node.observe.AccessLog;
import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;
import stargate.node.store.FileSource;

/**
 * One running data-plane node: the composition root that wires config source, compiler,
 * listeners and observability together, and the graceful stop.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NodeOptions options;
    private final FileSource source;
    private final SnapshotCompiler compiler;
    private final AccessLog accessLog;
    private final Listeners listeners;

    private Node(NodeOptions options, FileSource source, SnapshotCompiler compiler, AccessLog accessLog,
                 Listeners listeners) {
        this.options = options;
        this.source = source;
        this.compiler = compiler;
        this.accessLog = accessLog;
        this.listeners = listeners;
    }

    /**
     * Loads the config and opens the listeners.
     *
     * @throws IllegalArgumentException when the config at start is invalid (each error in the message)
     */
    public static Node start(NodeOptions options) {
        if (options.configFile() == null) {
            throw new IllegalArgumentException("distributed mode (--etcd) is not available yet; use --config FILE");
        }
        stargate.node.observe.Metrics metrics = new stargate.node.observe.Metrics(Metrics.globalRegistry());
        CurrentSnapshot current = new CurrentSnapshot();
        PluginRegistry plugins = PluginRegistry.load(options.pluginsDir());
        SnapshotCompiler compiler = new SnapshotCompiler(metrics,
                new ChainCompiler(plugins, PluginContext.system(Metrics.globalRegistry())));
        ConfigApplier applier = new ConfigApplier(current, compiler, metrics, ConfigValidator.create(plugins.catalog()));
        FileSource source = new FileSource(options.configFile(), applier);
        List<ConfigError> errors = source.load();
        if (!errors.isEmpty()) {
            compiler.close();
            throw new IllegalArgumentException("invalid config " + options.configFile() + ":\n  "
                    + String.join("\n  ", errors.stream().map(ConfigError::toString).toList()));
        }
        AccessLog accessLog = AccessLog.open(options.accessLog());
        Snapshot first = current.get();
        Listeners listeners = Listeners.start(options, current, metrics, accessLog,
                first.config().certificates());
        applier.onApplied(snapshot -> listeners.updateCertificates(snapshot.config().certificates()));
        source.watch();
        LOG.info("event=node_started node_id=" + options.nodeId() + " source=" + first.source()
                + " revision=" + first.revision());
        return new Node(options, source, compiler, accessLog, listeners);
    }

    public int port() {
        return listeners.port();
    }

    public int httpsPort() {
        return listeners.httpsPort();
    }

    public int adminPort() {
        return listeners.adminPort();
    }

    /** SIGTERM: readiness DOWN, stop accepting, let in-flight requests finish, release everything. */
    public boolean drainAndStop(Duration timeout) throws InterruptedException {
        source.close();
        boolean finished = listeners.drainAndStop(timeout);
        release();
        return finished;
    }

    @Override
    public void close() {
        source.close();
        listeners.close();
        release();
    }

    private void release() {
        compiler.close();
        accessLog.close();
        LOG.info("event=node_stopped node_id=" + options.nodeId());
    }
}
