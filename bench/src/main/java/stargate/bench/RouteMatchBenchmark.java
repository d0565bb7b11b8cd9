package stargate.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import stargate.model.Route;
import stargate.model.routing.RequestHeaders;
import stargate.model.routing.RouteIndex;
import stargate.model.routing.RouteMatch;

/**
 * Route match time against the number of routes (SPEC §12: at most 1 µs per match at 10,000 routes).
 *
 * <p>The config is a fixed-seed mix: a fifth of the routes on exact hosts, a tenth on wildcard
 * hosts, the rest on any host; paths 40% exact, 30% templates (one or two parameters), 30%
 * prefixes; half with a method list, some with a header match. Requests rotate through 1,024 keys:
 * about 80% hit a route (exact, template, prefix, ports and queries included) and 20% miss (unknown
 * path, wrong method, unknown host). {@code hashMapGet} is the same-run baseline: one
 * {@code HashMap.get} of the same request paths, so the figure can be reported as a ratio.
 * {@code build} times a whole index build of the same config (in ms), what a config change costs.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * $JAVA_HOME/bin/java -jar bench/target/stargate-bench.jar RouteMatch -f 1 -wi 3 -i 5
 * $JAVA_HOME/bin/java -jar bench/target/stargate-bench.jar 'RouteMatchBenchmark.(match|hashMapGet)' -f 1 -wi 3 -i 5   # match only
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {
    private static final int KEYS = 1024;

    @Param({"100", "10000", "100000"})
    int routes;

    private List<Route> config;
    private RouteIndex<Route> index;
    private Map<String, Route> byPath;
    private final String[] methods = new String[KEYS];
    private final String[] hosts = new String[KEYS];
    private final String[] paths = new String[KEYS];
    private final RequestHeaders[] headers = new RequestHeaders[KEYS];
    private int next;

    @Setup
    public void setUp() {
        Random random = new Random(42);
        config = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            config.add(randomRoute(random, i));
        }
        index = RouteIndex.of(config);
        byPath = new HashMap<>();
        config.forEach(route -> byPath.put(route.paths().get(0), route));
        for (int k = 0; k < KEYS; k++) {
            if (random.nextInt(5) == 0) {
                missingRequest(random, k);
            } else {
                requestFor(config.get(random.nextInt(routes)), random, k);
            }
        }
    }

    @Benchmark
    public RouteMatch<Route> match() {
        int k = next++ & (KEYS - 1);
        return index.match(methods[k], hosts[k], paths[k], headers[k]);
    }

    @Benchmark
    public Route hashMapGet() {
        int k = next++ & (KEYS - 1);
        return byPath.get(paths[k]);
    }

    /** A whole index build, as the node does on a config change: milliseconds, not the hot path. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public RouteIndex<Route> build() {
        return RouteIndex.of(config);
    }

    private static Route randomRoute(Random random, int i) {
        int hostKind = random.nextInt(10);
        List<String> hosts = hostKind < 2 ? List.of("svc" + (i % 500) + ".example.com")
                : hostKind < 3 ? List.of("*.tenant" + (i % 200) + ".example.org") : List.of();
        int pathKind = random.nextInt(10);
        String path = pathKind < 4 ? "/api/v" + (1 + i % 3) + "/res" + i
                : pathKind < 6 ? "/api/res" + i + "/{id}"
                : pathKind < 7 ? "/api/res" + i + "/{id}/items/{item}"
                : "/static/app" + i + "/*";
        int methodKind = random.nextInt(10);
        List<String> methods = methodKind < 3 ? List.of("GET") : methodKind < 5 ? List.of("GET", "POST") : List.of();
        Map<String, String> headers = random.nextInt(20) == 0 ? Map.of("x-canary", "true") : Map.of();
        return new Route("r" + i, hosts, List.of(path), methods, headers, random.nextInt(3), "svc", false, null,
                false, null, null, null, false);
    }

    private void requestFor(Route route, Random random, int k) {
        methods[k] = route.methods().isEmpty() ? (random.nextBoolean() ? "GET" : "PUT") : route.methods().get(0);
        String host = route.hosts().isEmpty() ? "gw.example.net" : route.hosts().get(0).replace("*", "eu");
        hosts[k] = random.nextBoolean() ? host : host + ":8443";
        String path = route.paths().get(0).replace("{id}", "4711").replace("{item}", "x-9").replace("/*", "/js/app.js");
        paths[k] = random.nextInt(4) == 0 ? path + "?page=2&sort=name" : path;
        headers[k] = RequestHeaders.of(route.headers());
    }

    private void missingRequest(Random random, int k) {
        methods[k] = random.nextBoolean() ? "DELETE" : "GET";
        hosts[k] = random.nextBoolean() ? "unknown.example.com" : "gw.example.net";
        paths[k] = random.nextBoolean() ? "/nope/" + random.nextInt(1000) : "/api/res" + random.nextInt(routes) + "/1/2/3";
        headers[k] = RequestHeaders.NONE;
    }
}
