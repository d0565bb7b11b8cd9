package stargate.node.config;

import java.util.List;
import stargate.model.Upstream;
import stargate.node.balancer.Balancer;
import stargate.node.health.Circuit;
import stargate.node.health.PassivePolicy;
import stargate.node.proxy.RetryBudget;

/**
 * An upstream ready to serve.
 *
 * @param upstream    its config
 * @param targets     its targets, with their pools and health
 * @param balancer    picks among the eligible targets
 * @param circuit     its circuit breaker ({@link Circuit#NONE} without {@code circuit_breaker}); kept across
 *                    config changes while its settings stay
 * @param passive     its compiled passive check; null without one
 * @param retryBudget caps the retries of every route to it; kept across config changes
 */
public record CompiledUpstream(Upstream upstream, List<Target> targets, Balancer<Target> balancer, Circuit circuit,
                               PassivePolicy passive, RetryBudget retryBudget) {
    public String id() {
        return upstream.id();
    }
}
