package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.upstream;
import static stargate.node.balancer.Fixtures.url;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import stargate.model.BalancerKind;
import stargate.model.Upstream;

class LeastConnectionsTest {
    private static final Fixtures.Request ANY = Fixtures.Request.fromIp("192.0.2.1");

    private static LeastConnections<String> leastConnections(int... weights) {
        Upstream upstream = upstream(BalancerKind.LEAST_CONNECTIONS, weights);
        return (LeastConnections<String>) Fixtures.balancer(upstream);
    }

    @Test
    void sendsEachNewExchangeToAnIdleTarget() {
        LeastConnections<String> balancer = leastConnections(1, 1, 1);
        Balancer.Pick<String> first = balancer.pick(ANY, target -> true);
        Balancer.Pick<String> second = balancer.pick(ANY, target -> true);
        Balancer.Pick<String> third = balancer.pick(ANY, target -> true);

        assertEquals(Set.of(url(0), url(1), url(2)), Set.of(first.target(), second.target(), third.target()));

        second.close();
        assertEquals(second.target(), balancer.pick(ANY, target -> true).target(), "the only idle target again");
    }

    @Test
    void weighsInFlightExchangesByTargetWeight() {
        LeastConnections<String> balancer = leastConnections(3, 1);
        for (int i = 0; i < 4_000; i++) {
            balancer.pick(ANY, target -> true); // held open
        }

        assertEquals(3_000, balancer.inFlight(0), 3);
        assertEquals(1_000, balancer.inFlight(1), 3);
    }

    @Test
    void closingAPickTwiceReleasesItOnce() {
        LeastConnections<String> balancer = leastConnections(1, 1);
        Balancer.Pick<String> held = balancer.pick(ANY, target -> true);
        Balancer.Pick<String> closedTwice = balancer.pick(ANY, target -> true);
        closedTwice.close();
        closedTwice.close();

        assertEquals(1, balancer.inFlight(0) + balancer.inFlight(1));
        assertNotEquals(held.target(), balancer.pick(ANY, target -> true).target(), "the held target is still busier");
    }

    @Test
    void exchangesHeldConcurrentlyByVirtualThreadsSpreadEvenly() throws InterruptedException {
        int holders = 60;
        LeastConnections<String> balancer = leastConnections(1, 1, 1);
        List<String> held = new ArrayList<>();
        CountDownLatch allPicked = new CountDownLatch(holders);
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < holders; i++) {
                executor.submit(() -> {
                    try (Balancer.Pick<String> pick = balancer.pick(ANY, target -> true)) {
                        synchronized (held) {
                            held.add(pick.target());
                        }
                        allPicked.countDown();
                        release.await();
                    }
                    return null;
                });
            }
            assertTrue(allPicked.await(10, TimeUnit.SECONDS));
            int[] inFlight = IntStream.range(0, 3).map(balancer::inFlight).toArray();
            release.countDown();
            executor.shutdown();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));

            assertEquals(holders, IntStream.of(inFlight).sum());
            // Pickers racing on the same counts may both take one target; at most one per carrier thread at a time.
            int slack = 1 + Runtime.getRuntime().availableProcessors();
            assertTrue(IntStream.of(inFlight).max().getAsInt() - IntStream.of(inFlight).min().getAsInt() <= slack,
                    () -> held.stream().collect(Collectors.groupingBy(target -> target, Collectors.counting())).toString());
        }
        assertEquals(0, balancer.inFlight(0) + balancer.inFlight(1) + balancer.inFlight(2), "every close released");
    }

    @Test
    void manyShortExchangesOnVirtualThreadsReleaseEveryCount() throws InterruptedException {
        LeastConnections<String> balancer = leastConnections(1, 2, 1);
        AtomicIntegerArray picked = new AtomicIntegerArray(3);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int thread = 0; thread < 64; thread++) {
                executor.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        try (Balancer.Pick<String> pick = balancer.pick(ANY, target -> true)) {
                            picked.incrementAndGet(Fixtures.urls(3).indexOf(pick.target()));
                            Thread.yield(); // other pickers run while this exchange is in flight
                        }
                    }
                });
            }
            executor.shutdown();
            assertTrue(executor.awaitTermination(20, TimeUnit.SECONDS));
        }

        assertEquals(64 * 500, picked.get(0) + picked.get(1) + picked.get(2));
        assertTrue(picked.get(1) > picked.get(0) && picked.get(1) > picked.get(2), "the weight-2 target took most: " + picked);
        assertEquals(List.of(0, 0, 0), IntStream.range(0, 3).mapToObj(balancer::inFlight).toList());
    }
}
