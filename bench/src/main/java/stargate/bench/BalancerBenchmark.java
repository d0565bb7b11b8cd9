package stargate.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import stargate.model.BalancerKind;
import stargate.model.Upstream;
import stargate.node.balancer.Balancer;
import stargate.node.balancer.PickContext;

/**
 * Cost of one balancer pick and its close, per algorithm, at 3 and 100 targets, all eligible, over 1,024
 * distinct clients (ip-hash and consistent-hash hash each one); {@code pickContended} runs the same on 4
 * threads sharing the balancer (the round-robin counter, the weighted lock, the in-flight counters).
 *
 * <p>Run: {@code mvn -B -q -pl bench -am package -DskipTests && java -jar bench/target/stargate-bench.jar BalancerBenchmark}
 *
 * <p>First figures, {@code pick} on JDK 25, a shared and busy 2-core VM (so ±30 % or worse), ns per pick at 3 / 100
 * targets: round-robin 33 / 29, weighted 53 / 540, ip-hash 116 / 1,650 (a logarithm per target),
 * least-connections 45 / 740, consistent-hash 68 / 113.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerBenchmark {
    private static final int CLIENTS = 1 << 10;

    @Param({"round-robin", "weighted", "ip-hash", "least-connections", "consistent-hash"})
    String algorithm;

    @Param({"3", "100"})
    int targets;

    private Balancer<String> balancer;
    private PickContext[] requests;

    record Request(String clientIp) implements PickContext {
        @Override
        public String path() {
            return "/";
        }

        @Override
        public String header(String lowerCaseName) {
            return null;
        }

        @Override
        public String cookie(String name) {
            return null;
        }
    }

    /** Each thread walks the clients from its own position. */
    @State(Scope.Thread)
    public static class Cursor {
        private int next;

        int next() {
            return next++ & (CLIENTS - 1);
        }
    }

    @Setup
    public void setUp() {
        BalancerKind kind = Stream.of(BalancerKind.values()).filter(k -> k.wire().equals(algorithm)).findFirst().orElseThrow();
        List<Upstream.Target> configured = IntStream.range(0, targets)
                .mapToObj(i -> new Upstream.Target("http://10.0." + i / 250 + "." + (i % 250 + 1) + ":8080", 1 + i % 3))
                .toList();
        Upstream upstream = new Upstream("bench", kind, "ip", configured, null, null, null, null);
        balancer = Balancer.create(upstream, configured.stream().map(Upstream.Target::url).toList());
        requests = IntStream.range(0, CLIENTS).mapToObj(i -> new Request("192.168." + (i >> 8) + "." + (i & 0xff)))
                .toArray(PickContext[]::new);
    }

    @Benchmark
    public String pick(Cursor cursor) {
        try (Balancer.Pick<String> pick = balancer.pick(requests[cursor.next()], target -> true)) {
            return pick.target();
        }
    }

    @Benchmark
    @Threads(4)
    public String pickContended(Cursor cursor) {
        return pick(cursor);
    }
}
