package stargate.node.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.node.balancer.Fixtures.upstream;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import stargate.model.BalancerKind;
import stargate.model.Upstream;

/** Building balancers from config, and the per-target objects they hand back. */
class BalancerTest {

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void handsBackTheNodesOwnObjectForTheTarget(BalancerKind kind) {
        record Pool(String name) {
        }
        List<Pool> pools = List.of(new Pool("first"), new Pool("second"));
        Balancer<Pool> balancer = Balancer.create(upstream(kind, 0, 1), pools);

        try (Balancer.Pick<Pool> pick = balancer.pick(Fixtures.Request.fromIp("192.0.2.1"), pool -> true)) {
            assertSame(pools.get(1), pick.target());
        }
    }

    @Test
    void defaultsToRoundRobin() {
        Balancer<String> balancer = Fixtures.balancer(Upstream.of("svc", "http://a:1", "http://b:2"));

        assertEquals(List.of("http://a:1", "http://b:2", "http://a:1"), List.of(
                Fixtures.pickOnce(balancer, Fixtures.Request.NONE),
                Fixtures.pickOnce(balancer, Fixtures.Request.NONE),
                Fixtures.pickOnce(balancer, Fixtures.Request.NONE)));
    }

    @Test
    void rejectsTargetListsThatDoNotMatchTheConfig() {
        Upstream upstream = Upstream.of("svc", "http://a:1", "http://b:2");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Balancer.create(upstream, List.of("only one")));
        assertTrue(error.getMessage().contains("2 targets"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1001})
    void rejectsWeightsOutsideTheSpecRange(int weight) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Fixtures.balancer(upstream(BalancerKind.WEIGHTED, 1, weight)));
        assertTrue(error.getMessage().contains("weight " + weight), error.getMessage());
    }
}
