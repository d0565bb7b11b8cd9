package stargate.bench;

import io.helidon.metrics.api.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.ValidatedConfig;
import stargate.node.config.ConfigApplier;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.SnapshotCompiler;
import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;

/**
 * One route change applied on a node holding many routes (SPEC §12: at 100,000 routes in 10 ms),
 * in-process, through the node's own {@link ConfigApplier}, the incremental way against the whole way
 * (what every change cost before issue 12's wiring) in the same run:
 * <ul>
 *   <li>{@code parsed change}: one changed route object, as etcd mode has it after reading the key:
 *       {@code served().check} + {@code apply} (validate, compile, swap), against the whole way:
 *       {@code ConfigValidator.validate} of the whole config + {@code applyValid};</li>
 *   <li>{@code file reload}: the config file rewritten with one route moved, {@code applyFile}
 *       (stream-read, diff, check, compile, swap); the applier's own share (after reading) is its
 *       {@code compile_us} log field; against the whole way: read + whole check + whole compile.</li>
 * </ul>
 * And one consumer added or removed ({@code served().check} + {@code apply}), against the whole
 * compile every consumer change took before the chains looked consumers up in the snapshot.
 * The file is {@code bench/gen-routes.py}'s mix (plugins on 1 route in 10, a global plugin).
 *
 * <pre>
 * python3 bench/gen-routes.py 100000 > /tmp/routes.yaml
 * mvn -q -pl bench -am package -DskipTests
 * java -Xms3g -Xmx3g -cp bench/target/stargate-bench.jar stargate.bench.ConfigApply /tmp/routes.yaml 200 20 5
 *   # file, parsed changes, file changes, whole-way samples of each
 * </pre>
 */
public final class ConfigApply {
    private static final Pattern COMPILE_US = Pattern.compile("event=config_applied .*mode=(\\w+) .*compile_us=(\\d+)");

    private ConfigApply() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int parsedChanges = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int fileChanges = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int wholeSamples = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        List<Long> appliedMicros = new ArrayList<>();
        Logger applierLog = Logger.getLogger(ConfigApplier.class.getName());
        applierLog.setUseParentHandlers(false);
        applierLog.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                Matcher m = COMPILE_US.matcher(record.getMessage());
                if (m.find() && m.group(1).equals("incremental")) {
                    synchronized (appliedMicros) {
                        appliedMicros.add(Long.parseLong(m.group(2)));
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        PluginRegistry plugins = PluginRegistry.load(null);
        PluginContext context = PluginContext.system(Metrics.globalRegistry());
        ConfigValidator validator = ConfigValidator.create(plugins.catalog(context));
        stargate.node.observe.Metrics metrics = new stargate.node.observe.Metrics(Metrics.globalRegistry());
        try (SnapshotCompiler compiler = new SnapshotCompiler(metrics, new ChainCompiler(plugins, context))) {
            ConfigApplier applier = new ConfigApplier(new CurrentSnapshot(), compiler, metrics, validator);
            long start = System.nanoTime();
            if (!applier.applyFile(file, ConfigCodec.Format.YAML, 1, "file:" + file).isEmpty()) {
                throw new IllegalStateException(file + " is not a valid config");
            }
            GatewayConfig config = applier.served().config();
            System.out.printf("routes=%,d first apply (whole): %.0f ms%n", config.routes().size(), ms(System.nanoTime() - start));
            long revision = 1;

            // parsed changes: warm up as many as measured, then measure
            long[] incremental = new long[parsedChanges];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < parsedChanges; i++) {
                    Route moved = moved(applier.served().config(), i * 7919 + round, revision);
                    long t = System.nanoTime();
                    ValidatedConfig.Checked checked = applier.served().check(
                            List.of(new Change(Kind.ROUTE, moved.id(), Change.Op.CHANGED, null, moved)));
                    if (!checked.isValid()) {
                        throw new IllegalStateException(checked.errors().toString());
                    }
                    applier.apply(checked, ++revision, "bench", "~1 route");
                    incremental[i] = System.nanoTime() - t;
                }
            }
            long[] whole = new long[wholeSamples];
            for (int i = 0; i < wholeSamples; i++) {
                GatewayConfig base = applier.served().config();
                Route moved = moved(base, i * 104729, revision);
                List<Route> routes = new ArrayList<>(base.routes());
                routes.replaceAll(r -> r.id().equals(moved.id()) ? moved : r);
                GatewayConfig next = new GatewayConfig(routes, base.upstreams(), base.consumers(), base.certificates(),
                        base.globalPlugins());
                long t = System.nanoTime();
                if (!validator.validate(next).isEmpty()) {
                    throw new IllegalStateException("invalid");
                }
                applier.applyValid(next, ++revision, "bench", "~1 route");
                whole[i] = System.nanoTime() - t;
            }
            report("parsed change, incremental (etcd mode after reading the key)", incremental);
            report("parsed change, whole (before)", whole);

            // consumers: one added, then removed again, checked and applied; a consumer change compiled
            // every route's plugin chain until the chains looked consumers up in the snapshot (the
            // whole way, timed as applyValid of the same change: what that compile cost)
            long[] consumerChanges = new long[parsedChanges];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < parsedChanges; i++) {
                    String id = "bench-consumer-" + round + "-" + i / 2;
                    Consumer added = i % 2 == 0 ? new Consumer(id, new Consumer.KeyAuth(id + "-key-123"), null, null, null) : null;
                    long t = System.nanoTime();
                    ValidatedConfig.Checked checked = applier.served().check(List.of(new Change(Kind.CONSUMER, id,
                            added == null ? Change.Op.REMOVED : Change.Op.ADDED, null, added)));
                    if (!checked.isValid()) {
                        throw new IllegalStateException(checked.errors().toString());
                    }
                    applier.apply(checked, ++revision, "bench", added == null ? "-1 consumer" : "+1 consumer");
                    consumerChanges[i] = System.nanoTime() - t;
                }
            }
            long[] wholeConsumer = new long[wholeSamples];
            for (int i = 0; i < wholeSamples; i++) {
                GatewayConfig base = applier.served().config();
                List<Consumer> consumers = new ArrayList<>(base.consumers());
                consumers.add(new Consumer("bench-whole-" + i, new Consumer.KeyAuth("bench-whole-" + i + "-key"), null, null, null));
                GatewayConfig next = new GatewayConfig(base.routes(), base.upstreams(), consumers, base.certificates(),
                        base.globalPlugins());
                long t = System.nanoTime();
                applier.applyValid(next, ++revision, "bench", "+1 consumer");
                wholeConsumer[i] = System.nanoTime() - t;
            }
            report("consumer added or removed, incremental", consumerChanges);
            report("consumer added, whole compile (before)", wholeConsumer);

            // file reloads
            List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            List<Integer> routeLines = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("  - {id: r")) {
                    routeLines.add(i);
                }
            }
            Path work = Files.createTempFile("config-apply-", ".yaml");
            try {
                Files.write(work, lines, StandardCharsets.UTF_8);
                applier.applyFile(work, ConfigCodec.Format.YAML, ++revision, "file"); // may be whole: the bench's own edits differ
                appliedMicros.clear();
                long[] reload = new long[fileChanges];
                for (int i = 0; i < fileChanges; i++) {
                    int at = routeLines.get((i * 7919) % routeLines.size());
                    lines.set(at, lines.get(at).replaceFirst("paths: \\[\"", "paths: [\"/f" + i));
                    Files.write(work, lines, StandardCharsets.UTF_8);
                    long t = System.nanoTime();
                    if (!applier.applyFile(work, ConfigCodec.Format.YAML, ++revision, "file").isEmpty()) {
                        throw new IllegalStateException("refused");
                    }
                    reload[i] = System.nanoTime() - t;
                }
                long[] applied = appliedMicros.stream().mapToLong(us -> us * 1_000).toArray();
                long[] wholeReload = new long[wholeSamples];
                for (int i = 0; i < wholeSamples; i++) {
                    int at = routeLines.get((i * 104729) % routeLines.size());
                    lines.set(at, lines.get(at).replaceFirst("paths: \\[\"", "paths: [\"/w" + i));
                    Files.write(work, lines, StandardCharsets.UTF_8);
                    long t = System.nanoTime();
                    var read = ConfigCodec.stream(Files.newBufferedReader(work, StandardCharsets.UTF_8), ConfigCodec.Format.YAML);
                    var checked = validator.check(read);
                    applier.applyValid(checked.orElseThrow(), ++revision, "file");
                    wholeReload[i] = System.nanoTime() - t;
                }
                report("file reload, incremental, whole call (read + diff + apply)", reload);
                report("file reload, incremental, applier's part after reading (compile_us)", applied);
                report("file reload, whole (before)", wholeReload);
            } finally {
                Files.delete(work);
            }
        }
    }

    /** Route number {@code n} (mod size) of {@code config} under a new exact path. */
    private static Route moved(GatewayConfig config, int n, long generation) {
        Route r = config.routes().get(Math.floorMod(n, config.routes().size()));
        return new Route(r.id(), r.hosts(), List.of("/moved/" + r.id() + "/g" + generation), r.methods(), r.headers(),
                r.priority(), r.upstream(), r.stripPrefix(), r.rewrite(), r.preserveHost(), r.timeouts(), r.retries(),
                r.plugins(), r.websocket());
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-75s n=%3d p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms%n", what, sorted.length,
                ms(pct(sorted, 50)), ms(pct(sorted, 99)), ms(sorted[sorted.length - 1]));
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
