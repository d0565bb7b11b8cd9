package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.balancer;
import static stargate.node.balancer.Fixtures.count;
import static stargate.node.balancer.Fixtures.distinctClient;
import static stargate.node.balancer.Fixtures.evenUpstream;
import static stargate.node.balancer.Fixtures.pickOnce;
import static stargate.node.balancer.Fixtures.upstream;
import static stargate.node.balancer.Fixtures.url;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import stargate.model.BalancerKind;

/** The contract every algorithm keeps: every balancer × {1, 3, 100 targets} × {all eligible, one down}. */
class BalancerMatrixTest {
    private static final int PICKS = 30_000;

    enum Eligibility { ALL, ONE_DOWN }

    static Stream<Arguments> everyBalancerSizeAndEligibility() {
        List<Arguments> cases = new ArrayList<>();
        for (BalancerKind kind : BalancerKind.values()) {
            for (int size : new int[] {1, 3, 100}) {
                for (Eligibility eligibility : Eligibility.values()) {
                    cases.add(Arguments.of(kind, size, eligibility));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} over {1} targets, {2}")
    @MethodSource("everyBalancerSizeAndEligibility")
    void spreadsPicksEvenlyOverTheEligibleTargetsOnly(BalancerKind kind, int size, Eligibility eligibility) {
        String down = eligibility == Eligibility.ONE_DOWN ? url(size / 2) : null;
        Map<String, Integer> counts = count(balancer(evenUpstream(kind, size)), PICKS, target -> !target.equals(down));

        int eligible = down == null ? size : size - 1;
        if (eligible == 0) {
            assertEquals(Map.of("null", PICKS), counts, "no eligible target: every pick is null");
            return;
        }
        assertEquals(eligible, counts.size(), "each eligible target and nothing else was picked: " + counts.keySet());
        assertFalse(counts.containsKey(down));
        double expected = PICKS / (double) eligible;
        double tolerance = tolerance(kind, size, expected);
        counts.forEach((target, picks) -> assertTrue(Math.abs(picks - expected) <= tolerance,
                target + " got " + picks + " picks, expected " + expected + " ± " + tolerance));
    }

    /**
     * Turn-based algorithms are exact. Least-connections breaks ties at random: the bounds are six σ of
     * a binomial (30,000 picks over 3 targets: σ ≈ 0.8 %; over 99: σ ≈ 5.8 %). The hashing ones see fixed
     * inputs, so their cases are deterministic; the bounds are about 1.5 times the worst target's
     * deviation measured (ip-hash 2 % and 13 %, consistent-hash 3.3 % and 29 %: the ring's arcs add their
     * own spread, about 1/sqrt(160) per target, to the sample's).
     */
    private static double tolerance(BalancerKind kind, int size, double expected) {
        return switch (kind) {
            case ROUND_ROBIN, WEIGHTED -> 1;
            case LEAST_CONNECTIONS, IP_HASH -> expected * (size > 3 ? 0.35 : 0.05);
            case CONSISTENT_HASH -> expected * (size > 3 ? 0.45 : 0.06);
        };
    }

    @ParameterizedTest(name = "{0} over {1} targets")
    @MethodSource("everyBalancerAndSize")
    void aRetryExcludingTriedTargetsGetsEachTargetOnceThenNull(BalancerKind kind, int size) {
        Balancer<String> balancer = balancer(evenUpstream(kind, size));
        Set<String> tried = new HashSet<>();
        for (int attempt = 0; attempt < size; attempt++) {
            String target = pickOnce(balancer, distinctClient(7), candidate -> !tried.contains(candidate));
            assertTrue(target != null && tried.add(target), "attempt " + attempt + " got a fresh target, not " + target);
        }
        assertNull(pickOnce(balancer, distinctClient(7), candidate -> !tried.contains(candidate)));
    }

    static Stream<Arguments> everyBalancerAndSize() {
        return Stream.of(BalancerKind.values()).flatMap(kind -> Stream.of(1, 3, 100).map(size -> Arguments.of(kind, size)));
    }

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    @Timeout(5)
    void returnsNullWithoutHangingWhenNoTargetIsEligible(BalancerKind kind) {
        Balancer<String> balancer = balancer(evenUpstream(kind, 100));
        for (int i = 0; i < 1_000; i++) {
            assertNull(balancer.pick(distinctClient(i), target -> false));
        }
    }

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void neverPicksADrainedTarget(BalancerKind kind) {
        Map<String, Integer> counts = count(balancer(upstream(kind, 0, 1, 1, 0)), PICKS, target -> true);

        assertEquals(Set.of(url(1), url(2)), counts.keySet());
    }

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void returnsNullWhenEveryTargetIsDrained(BalancerKind kind) {
        assertNull(balancer(upstream(kind, 0, 0, 0)).pick(distinctClient(1), target -> true));
    }

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    @Timeout(30)
    void concurrentPicksFromVirtualThreadsAllLandAndAddUp(BalancerKind kind) throws InterruptedException {
        int threads = 64;
        int picksPerThread = 1_000;
        Balancer<String> balancer = balancer(evenUpstream(kind, 4));
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        LongAdder nulls = new LongAdder();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int thread = 0; thread < threads; thread++) {
                int first = thread * picksPerThread;
                executor.submit(() -> {
                    for (int i = first; i < first + picksPerThread; i++) {
                        try (Balancer.Pick<String> pick = balancer.pick(distinctClient(i), target -> true)) {
                            if (pick == null) {
                                nulls.increment();
                            } else {
                                counts.computeIfAbsent(pick.target(), target -> new LongAdder()).increment();
                                Thread.yield(); // let other pickers interleave while this exchange is in flight
                            }
                        }
                    }
                });
            }
            executor.shutdown();
            assertTrue(executor.awaitTermination(20, TimeUnit.SECONDS));
        }

        assertEquals(0, nulls.sum());
        assertEquals(4, counts.size());
        long total = threads * picksPerThread;
        assertEquals(total, counts.values().stream().mapToLong(LongAdder::sum).sum());
        double share = total / 4.0;
        counts.forEach((target, picks) -> assertTrue(
                kind == BalancerKind.ROUND_ROBIN || kind == BalancerKind.WEIGHTED
                        ? picks.sum() == share // one turn per pick, even when concurrent
                        : Math.abs(picks.sum() - share) < share * 0.2,
                target + " got " + picks.sum() + " of " + total));
    }
}
