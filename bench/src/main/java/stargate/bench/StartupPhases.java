package stargate.bench;

import com.sun.management.OperatingSystemMXBean;
import io.helidon.metrics.api.Metrics;
import java.io.Reader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import stargate.model.codec.ConfigCodec;
import stargate.model.codec.StreamedConfig;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;
import stargate.model.validate.ValidatedConfig;
import stargate.node.config.SnapshotCompiler;
import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;

/**
 * The phases of a node's first load of a standalone file, in a fresh JVM (cold, as at a start), each
 * timed by the CPU of the thread doing it and by the CPU of the whole process meanwhile (JIT compiler
 * and GC threads included, which on a start cost as much as the work itself): setup (plugins, metrics,
 * compiler), read (the YAML streamed to records), validate (whole), compile (route index, meters,
 * chains). One JVM per sample; compare builds by running each build's jar alternately.
 *
 * <pre>
 * python3 bench/gen-routes.py 100000 > /tmp/routes.yaml
 * mvn -q -pl bench -am package -DskipTests
 * java -Xms256m -Xmx256m -XX:+UseG1GC -cp "bench/target/stargate-bench.jar:bench/target/libs/*" \
 *     stargate.bench.StartupPhases /tmp/routes.yaml
 * </pre>
 */
public final class StartupPhases {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long wall;
    private long thread;
    private long process;

    private StartupPhases() {
        mark();
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        StartupPhases clock = new StartupPhases();
        PluginRegistry plugins = PluginRegistry.load(null);
        PluginContext context = PluginContext.system(Metrics.globalRegistry());
        ConfigValidator validator = ConfigValidator.create(plugins.catalog(context));
        stargate.node.observe.Metrics metrics = new stargate.node.observe.Metrics(Metrics.globalRegistry());
        try (SnapshotCompiler compiler = new SnapshotCompiler(metrics, new ChainCompiler(plugins, context))) {
            clock.report("setup");
            StreamedConfig read;
            try (Reader in = Files.newBufferedReader(file)) {
                read = ConfigCodec.stream(in, ConfigCodec.Format.YAML);
            }
            clock.report("read");
            Validated<ValidatedConfig> valid = validator.validated(read);
            if (!valid.isValid()) {
                throw new IllegalStateException(file + " is not a valid config: " + valid.errors().getFirst());
            }
            clock.report("validate");
            compiler.compile(valid.value().config(), 1, "file:" + file);
            clock.report("compile");
        }
        long collections = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        System.out.printf("total      uptime %6d ms  process-cpu %6.0f ms  gc-collections %d%n",
                ManagementFactory.getRuntimeMXBean().getUptime(), OS.getProcessCpuTime() / 1e6, collections);
    }

    private void mark() {
        wall = System.nanoTime();
        thread = THREADS.getCurrentThreadCpuTime();
        process = OS.getProcessCpuTime();
    }

    private void report(String phase) {
        System.out.printf("%-10s wall %6.0f ms  thread-cpu %6.0f ms  process-cpu %6.0f ms%n", phase,
                (System.nanoTime() - wall) / 1e6, (THREADS.getCurrentThreadCpuTime() - thread) / 1e6,
                (OS.getProcessCpuTime() - process) / 1e6);
        mark();
    }
}
