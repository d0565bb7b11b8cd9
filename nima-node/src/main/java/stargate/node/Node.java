package stargate.node;

import io.helidon.metrics.api.Metrics;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
import stargate.node.redis.Redis;
import stargate.node.store.ConfigSource;
import stargate.node.store.EtcdSource;
import stargate.node.store.FileSource;
import stargate.node.trace.Tracing;

/**
 * One running data-plane node: the composition root that wires config source, compiler,
 * listeners and observability together, and the graceful stop.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NodeOptions options;
    private final ConfigSource source;
    private final SnapshotCompiler compiler;
    private final AccessLog accessLog;
    private final Tracing tracing;
    private final Listeners listeners;
    private final Redis redis;

    private Node(NodeOptions options, ConfigSource source, SnapshotCompiler compiler, AccessLog accessLog,
                 Tracing tracing, Listeners listeners, Redis redis) {
        this.options = options;
        this.source = source;
        this.compiler = compiler;
        this.accessLog = accessLog;
        this.tracing = tracing;
        this.listeners = listeners;
        this.redis = redis;
    }

    /**
     * Loads the config and opens the listeners. In etcd mode the node starts even when etcd is
     * unreachable: from the cached last good config, or with none (503, not ready) until etcd answers.
     *
     * @throws IllegalArgumentException when the config file at start is invalid (each error in the message)
     */
    public static Node start(NodeOptions options) {
        FileSource file = options.configFile() == null ? null : new FileSource(options.configFile(), options.cacheDir(), Main.version()); // reading from here on
        stargate.node.observe.Metrics metrics = new stargate.node.observe.Metrics(Metrics.globalRegistry());
        CurrentSnapshot current = new CurrentSnapshot();
        PluginRegistry plugins = PluginRegistry.load(options.pluginsDir());
        Redis redis = options.redis() == null ? null : Redis.of(options.redis(), options.redisTimeout());
        PluginContext pluginContext = PluginContext.system(Metrics.globalRegistry(), redis);
        SnapshotCompiler compiler = new SnapshotCompiler(metrics, new ChainCompiler(plugins, pluginContext));
        ConfigValidator validator = ConfigValidator.create(plugins.catalog(pluginContext));
        ConfigApplier applier = new ConfigApplier(current, compiler, metrics, validator);
        ConfigSource source;
        if (file != null) {
            List<ConfigError> errors = file.load(applier);
            if (!errors.isEmpty()) {
                compiler.close();
                if (redis != null) {
                    redis.close();
                }
                throw new IllegalArgumentException("invalid config " + options.configFile() + ":\n  "
                        + String.join("\n  ", errors.stream().map(ConfigError::toString).toList()));
            }
            source = file;
        } else {
            EtcdSource etcd = EtcdSource.create(options.etcd(), options.etcdPrefix(), options.cacheDir(), applier,
                    current, metrics, validator, options.nodeId(), options.nodeLabels());
            etcd.load();
            source = etcd;
        }
        AccessLog accessLog = AccessLog.open(options.accessLog());
        metrics.accessLogDropped(accessLog::dropped);
        Tracing tracing = Tracing.start(options.tracing(), Main.version(), options.nodeId());
        metrics.traceSpansDropped(tracing::dropped);
        Snapshot first = current.get();
        Listeners listeners = Listeners.start(options, current, metrics, accessLog, tracing,
                first == null ? List.of() : first.config().certificates());
        applier.onApplied(snapshot -> listeners.updateCertificates(snapshot.config().certificates()));
        source.start(() -> address(options.host(), listeners.port()), Main.version());
        LOG.info("event=node_started node_id=" + options.nodeId()
                + " source=" + (first == null ? "none" : first.source())
                + " revision=" + (first == null ? 0 : first.revision())
                + " redis=" + (redis == null ? "none" : redis.url()) + startupCost());
        return new Node(options, source, compiler, accessLog, tracing, listeners, redis);
    }

    /**
     * How long the JVM took to get here and the CPU it used (every thread: JIT and GC included), the
     * figures a start is measured by (SPEC §12: 5 s at 100,000 routes; bench/aot-startup.sh).
     */
    private static String startupCost() {
        String cost = " startup_ms=" + ManagementFactory.getRuntimeMXBean().getUptime();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            cost += " cpu_ms=" + os.getProcessCpuTime() / 1_000_000;
        }
        return cost;
    }

    /** The proxy address to publish: the listen host, or this machine's name when listening on every interface. */
    private static String address(String host, int port) {
        String published = host;
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                published = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                published = host;
            }
        }
        return published + ":" + port;
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

    /** SIGUSR1: closes and reopens the access-log file (after logrotate moved it); a no-op for stdout or off. */
    public void reopenAccessLog() {
        accessLog.reopen();
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
        if (redis != null) {
            redis.close();
        }
        tracing.close();
        LOG.info("event=node_stopped node_id=" + options.nodeId());
    }
}
