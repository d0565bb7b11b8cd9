package stargate.node.config;

import java.util.List;
import stargate.model.Upstream;
import stargate.node.balancer.Balancer;

/** An upstream ready to serve: its targets (with their pools and health) and its balancer. */
public record CompiledUpstream(Upstream upstream, List<Target> targets, Balancer<Target> balancer) {
    public String id() {
        return upstream.id();
    }
}
