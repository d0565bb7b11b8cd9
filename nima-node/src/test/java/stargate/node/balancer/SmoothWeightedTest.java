package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.balancer;
import static stargate.node.balancer.Fixtures.pickOnce;
import static stargate.node.balancer.Fixtures.upstream;
import static stargate.node.balancer.Fixtures.url;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import stargate.model.BalancerKind;

class SmoothWeightedTest {
    private static final Fixtures.Request ANY = Fixtures.Request.fromIp("192.0.2.1");

    @Test
    void interleavesFiveOneOneAsNginxDoes() {
        Balancer<String> balancer = balancer(upstream(BalancerKind.WEIGHTED, 5, 1, 1));

        assertEquals("a a b a c a a a a b a c a a", letters(picks(balancer, 14, target -> true)));
    }

    @Test
    void threeToOneIsExactOverEveryCycleAndNeverBurstsMoreThanThree() {
        List<String> picks = picks(balancer(upstream(BalancerKind.WEIGHTED, 3, 1)), 30_000, target -> true);

        for (int cycle = 0; cycle < picks.size(); cycle += 4) {
            assertEquals(3, picks.subList(cycle, cycle + 4).stream().filter(url(0)::equals).count(), "cycle at " + cycle);
        }
        assertEquals(3, longestRun(picks, url(0)));
        assertEquals(1, longestRun(picks, url(1)));
    }

    @Test
    void eligibleTargetsKeepTheirRatiosWhenTheHeaviestIsDown() {
        List<String> picks = picks(balancer(upstream(BalancerKind.WEIGHTED, 5, 3, 2)), 30_000, target -> !target.equals(url(0)));

        assertEquals(Map.of(url(1), 18_000, url(2), 12_000), counts(picks));
    }

    @Test
    void aTargetBackFromDownTakesItsShareAgainWithinOneCycle() {
        Balancer<String> balancer = balancer(upstream(BalancerKind.WEIGHTED, 2, 1, 1));
        picks(balancer, 1_001, target -> !target.equals(url(1))); // an odd count: the others' scores are mid-cycle

        Map<String, Integer> after = counts(picks(balancer, 4_000, target -> true));

        assertEquals(3, after.size());
        assertTrue(Math.abs(after.get(url(0)) - 2_000) <= 4, after::toString); // one cycle is 4 picks
        assertTrue(Math.abs(after.get(url(1)) - 1_000) <= 4, after::toString);
    }

    @Test
    void concurrentPicksFromVirtualThreadsKeepTheExactRatio() throws InterruptedException {
        Balancer<String> balancer = balancer(upstream(BalancerKind.WEIGHTED, 3, 1));
        AtomicIntegerArray counts = new AtomicIntegerArray(2);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int thread = 0; thread < 64; thread++) {
                executor.submit(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        counts.incrementAndGet(url(0).equals(pickOnce(balancer, ANY)) ? 0 : 1);
                    }
                });
            }
            executor.shutdown();
            assertTrue(executor.awaitTermination(20, TimeUnit.SECONDS));
        }

        assertEquals(48_000, counts.get(0));
        assertEquals(16_000, counts.get(1));
    }

    private static List<String> picks(Balancer<String> balancer, int count, Predicate<String> eligible) {
        List<String> picks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            picks.add(pickOnce(balancer, ANY, eligible));
        }
        return picks;
    }

    private static String letters(List<String> picks) {
        return String.join(" ", picks.stream().map(target -> String.valueOf((char) ('a' + Fixtures.urls(3).indexOf(target)))).toList());
    }

    private static Map<String, Integer> counts(List<String> picks) {
        Map<String, Integer> counts = new HashMap<>();
        picks.forEach(target -> counts.merge(target, 1, Integer::sum));
        return counts;
    }

    private static int longestRun(List<String> picks, String target) {
        int longest = 0;
        int run = 0;
        for (String pick : picks) {
            run = pick.equals(target) ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}
