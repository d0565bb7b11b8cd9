package stargate.node.plugin.trafficsplit;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import stargate.model.plugin.TrafficSplitConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * Sends a request to the configured upstream instead of the route's: with {@code weight}, each
 * request independently with that percent chance ({@link ThreadLocalRandom}: no shared state, no
 * contention; the share converges on the weight, it is not a strict rotation); with {@code match},
 * when every listed header has exactly the listed value.
 */
final class TrafficSplitPlugin implements Plugin {
    private final String upstream;
    private final int weight;
    private final Map<String, String> headers;

    TrafficSplitPlugin(TrafficSplitConfig config) {
        this.upstream = config.upstream();
        this.weight = config.weight() == null ? -1 : config.weight();
        this.headers = config.match() == null ? Map.of() : config.match().headers();
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        if (weight >= 0 ? ThreadLocalRandom.current().nextInt(100) < weight : matches(exchange)) {
            exchange.routeTo(upstream);
        }
        return Verdict.PASS;
    }

    private boolean matches(Exchange exchange) {
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!header.getValue().equals(exchange.request().header(header.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
