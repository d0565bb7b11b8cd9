package stargate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;
import stargate.model.routing.RouteIndex;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.ValidatedConfig;

/**
 * What one route change costs at {@code routes} routes (SPEC §12: applied on a node in 10 ms at
 * 100,000 routes), the incremental way against the whole way, in the same run:
 * <ul>
 *   <li>{@code indexChange}: {@link RouteIndex#withChanges} of one changed route (a new path);
 *       baseline {@code indexBuild}, a whole {@link RouteIndex#build};</li>
 *   <li>{@code validateChange}: {@link ValidatedConfig#check} of the same change; baseline
 *       {@code validateWhole}, {@link ConfigValidator#validate} of the whole changed config.</li>
 * </ul>
 * The config is {@code RouteMatchBenchmark}'s route mix over 100 upstreams. Each invocation changes
 * a different route (rotating), so no result is cached. Microseconds per operation.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * $JAVA_HOME/bin/java -jar bench/target/stargate-bench.jar ConfigChange -f 1 -wi 3 -i 5 -p routes=100000
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class ConfigChangeBenchmark {
    @Param({"10000", "100000"})
    int routes;

    private List<Route> config;
    private GatewayConfig whole;
    private RouteIndex<Route> index;
    private ValidatedConfig validated;
    private final ConfigValidator validator = ConfigValidator.create();
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(42);
        config = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            config.add(route(random, i, 0));
        }
        List<Upstream> upstreams = new ArrayList<>();
        for (int u = 0; u < 100; u++) {
            upstreams.add(new Upstream("u" + u, null, null, List.of(new Upstream.Target("http://127.0.0.1:9001", null)),
                    null, null, null, null));
        }
        whole = new GatewayConfig(config, upstreams, null, null, Map.of());
        index = RouteIndex.of(config);
        validated = validator.validated(whole).orElseThrow();
    }

    /** Route {@code i} with a path of generation {@code g}: changing g moves it to another leaf. */
    private static Route route(Random random, int i, int g) {
        int pathKind = Math.floorMod(i * 7 + g, 10);
        String path = pathKind < 4 ? "/api/v" + (1 + i % 3) + "/res" + i + "g" + g
                : pathKind < 7 ? "/api/res" + i + "g" + g + "/{id}" : "/static/app" + i + "g" + g + "/*";
        List<String> hosts = i % 5 == 0 ? List.of("svc" + (i % 500) + ".example.com") : List.of();
        List<String> methods = i % 2 == 0 ? List.of("GET") : List.of();
        return new Route("r" + i, hosts, List.of(path), methods, Map.of(), 0, "u" + (i % 100), false, null, false,
                null, null, null, false);
    }

    @Benchmark
    public RouteIndex<Route> indexChange() {
        int i = next++ % routes;
        Route before = config.get(i);
        Route after = route(null, i, next);
        return index.withChanges(List.of(before), List.of(after), Function.identity());
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public RouteIndex<Route> indexBuild() {
        return RouteIndex.of(config);
    }

    @Benchmark
    public ValidatedConfig.Checked validateChange() {
        int i = next++ % routes;
        Route after = route(null, i, next);
        return validated.check(List.of(new Change(Kind.ROUTE, after.id(), Change.Op.CHANGED, null, after)));
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Object validateWhole() {
        return validator.validate(whole);
    }
}
