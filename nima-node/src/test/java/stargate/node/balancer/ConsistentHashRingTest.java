package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.balancer;
import static stargate.node.balancer.Fixtures.clientIp;
import static stargate.node.balancer.Fixtures.pickOnce;
import static stargate.node.balancer.Fixtures.upstream;
import static stargate.node.balancer.Fixtures.urls;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import stargate.model.BalancerKind;

class ConsistentHashRingTest {
    private static final int KEYS = 3_000;

    private static Balancer<String> ring(String hashOn, int targets) {
        return balancer(upstream(BalancerKind.CONSISTENT_HASH, hashOn, urls(targets)));
    }

    /** hash_on, and a request carrying key {@code k} there (the client address stays the same). */
    static Stream<Arguments> keySources() {
        String ip = "198.51.100.9";
        return Stream.of(
                Arguments.of("header:X-User-Id", (IntFunction<PickContext>) k -> Fixtures.Request.withHeader(ip, "x-user-id", "user-" + k)),
                Arguments.of("cookie:session", (IntFunction<PickContext>) k -> new Fixtures.Request(ip, "/", Map.of(), Map.of("session", "s" + k))),
                Arguments.of("path", (IntFunction<PickContext>) k -> new Fixtures.Request(ip, "/items/" + k, Map.of(), Map.of())),
                Arguments.of("ip", (IntFunction<PickContext>) k -> Fixtures.Request.fromIp(clientIp(k))));
    }

    @ParameterizedTest(name = "hash_on {0}")
    @MethodSource("keySources")
    void placesByTheConfiguredKeySameKeySameTarget(String hashOn, IntFunction<PickContext> requestWithKey) {
        Balancer<String> balancer = ring(hashOn, 10);
        Set<String> used = new HashSet<>();
        for (int key = 0; key < KEYS; key++) {
            String target = pickOnce(balancer, requestWithKey.apply(key));
            assertEquals(target, pickOnce(balancer, requestWithKey.apply(key)), "key " + key);
            used.add(target);
        }
        assertEquals(10, used.size(), "distinct keys spread over every target");
    }

    @Test
    void aRequestWithoutTheHeaderIsPlacedByItsClientAddress() {
        Balancer<String> byHeader = ring("header:x-user-id", 10);
        Balancer<String> byIp = ring("ip", 10);

        for (int client = 0; client < KEYS; client++) {
            Fixtures.Request withoutHeader = Fixtures.Request.fromIp(clientIp(client));
            Fixtures.Request emptyHeader = Fixtures.Request.withHeader(clientIp(client), "x-user-id", "");
            assertEquals(pickOnce(byIp, withoutHeader), pickOnce(byHeader, withoutHeader));
            assertEquals(pickOnce(byIp, withoutHeader), pickOnce(byHeader, emptyHeader));
        }
    }

    @Test
    void heavyWeightsAreScaledToTheRingCapAndStillSpreadEvenly() {
        int targets = 200; // 200 × 1000 × 160 points uncapped
        int[] weights = IntStream.generate(() -> 1000).limit(targets).toArray();
        List<String> urls = urls(targets);
        Balancer<String> balancer = balancer(upstream(BalancerKind.CONSISTENT_HASH, "ip", urls, weights));

        int[] counts = new int[targets];
        for (int client = 0; client < 60_000; client++) {
            counts[urls.indexOf(pickOnce(balancer, Fixtures.Request.fromIp(clientIp(client))))]++;
        }
        // ~655 points each after scaling: per-target spread as with 160 per weight or better
        assertTrue(IntStream.of(counts).allMatch(count -> Math.abs(count - 300) < 120), () -> IntStream.of(counts).summaryStatistics().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "IP", "header:", "cookie:", ":name", "query:q", "header"})
    void rejectsMalformedHashOn(String hashOn) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ring(hashOn, 3));
        assertTrue(error.getMessage().contains("hash_on"), error.getMessage());
    }
}
