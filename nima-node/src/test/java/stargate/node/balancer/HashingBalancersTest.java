package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.balancer;
import static stargate.node.balancer.Fixtures.clientIp;
import static stargate.node.balancer.Fixtures.pickOnce;
import static stargate.node.balancer.Fixtures.upstream;
import static stargate.node.balancer.Fixtures.url;
import static stargate.node.balancer.Fixtures.urls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import stargate.model.BalancerKind;

/** What ip-hash and consistent-hash (on the client address) share: stickiness and minimal disruption. */
class HashingBalancersTest {
    private static final int CLIENTS = 30_000;

    private static List<String> placeAllClients(BalancerKind kind, List<String> urls) {
        Balancer<String> balancer = balancer(upstream(kind, "ip", urls));
        List<String> placed = new ArrayList<>(CLIENTS);
        for (int client = 0; client < CLIENTS; client++) {
            placed.add(pickOnce(balancer, Fixtures.Request.fromIp(clientIp(client))));
        }
        return placed;
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void eachClientKeepsItsTargetAcrossPicksAndRebuilds(BalancerKind kind) {
        List<String> placed = placeAllClients(kind, urls(10));
        Balancer<String> rebuilt = balancer(upstream(kind, "ip", urls(10)));

        for (int client = 0; client < CLIENTS; client += 7) {
            for (int again = 0; again < 3; again++) {
                assertEquals(placed.get(client), pickOnce(rebuilt, Fixtures.Request.fromIp(clientIp(client))), clientIp(client));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void removingOneOfTenTargetsMovesOnlyItsClientsAndSpreadsThem(BalancerKind kind) {
        List<String> urls = urls(10);
        String removed = url(4);
        List<String> before = placeAllClients(kind, urls);
        List<String> after = placeAllClients(kind, urls.stream().filter(url -> !url.equals(removed)).toList());

        int moved = 0;
        Set<String> movedTo = new HashSet<>();
        for (int client = 0; client < CLIENTS; client++) {
            if (!before.get(client).equals(after.get(client))) {
                assertEquals(removed, before.get(client), "client " + client + " moved off a target that stayed");
                movedTo.add(after.get(client));
                moved++;
            }
        }
        assertEquals(CLIENTS / 10.0, moved, CLIENTS * 0.03);
        assertEquals(9, movedTo.size(), "its clients spread over all the others, not onto one neighbour");
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void addingAnEleventhTargetMovesClientsOnlyOntoIt(BalancerKind kind) {
        List<String> before = placeAllClients(kind, urls(10));
        List<String> after = placeAllClients(kind, urls(11));

        int moved = 0;
        for (int client = 0; client < CLIENTS; client++) {
            if (!before.get(client).equals(after.get(client))) {
                assertEquals(url(10), after.get(client), "client " + client + " moved between old targets");
                moved++;
            }
        }
        assertEquals(CLIENTS / 11.0, moved, CLIENTS * 0.03);
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void whenAClientsTargetIsDownItGoesWhereItWouldIfTheTargetWereRemoved(BalancerKind kind) {
        List<String> urls = urls(10);
        String down = url(4);
        Balancer<String> balancer = balancer(upstream(kind, "ip", urls));
        List<String> withoutIt = placeAllClients(kind, urls.stream().filter(url -> !url.equals(down)).toList());

        for (int client = 0; client < CLIENTS; client++) {
            Fixtures.Request request = Fixtures.Request.fromIp(clientIp(client));
            assertEquals(withoutIt.get(client), pickOnce(balancer, request, target -> !target.equals(down)), clientIp(client));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void sharesFollowTheWeights(BalancerKind kind) {
        Map<String, Integer> counts = new HashMap<>();
        Balancer<String> balancer = balancer(upstream(kind, "ip", urls(3), 6, 3, 1));
        for (int client = 0; client < CLIENTS; client++) {
            counts.merge(pickOnce(balancer, Fixtures.Request.fromIp(clientIp(client))), 1, Integer::sum);
        }

        assertEquals(CLIENTS * 0.6, counts.get(url(0)), CLIENTS * 0.03, counts::toString);
        assertEquals(CLIENTS * 0.3, counts.get(url(1)), CLIENTS * 0.03, counts::toString);
        assertEquals(CLIENTS * 0.1, counts.get(url(2)), CLIENTS * 0.03, counts::toString);
    }

    @ParameterizedTest
    @EnumSource(names = {"IP_HASH", "CONSISTENT_HASH"})
    void requestsWithoutAnyKeySpreadOverAllTargets(BalancerKind kind) {
        Balancer<String> balancer = balancer(upstream(kind, "ip", urls(3)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            counts.merge(pickOnce(balancer, Fixtures.Request.NONE), 1, Integer::sum);
        }

        assertEquals(Set.of(url(0), url(1), url(2)), counts.keySet());
        counts.values().forEach(picks -> assertTrue(picks > 700, counts::toString)); // 1,000 expected, σ ≈ 26
    }
}
