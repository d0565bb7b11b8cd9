package stargate.node.plugin.ratelimit;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import stargate.model.plugin.RateLimitConfig;
import stargate.model.validate.ConfigError;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code rate-limit} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class RateLimitFactory extends RecordPluginFactory<RateLimitConfig> {
    public RateLimitFactory() {
        super(RateLimitConfig.NAME, Phase.RATE_LIMIT, RateLimitConfig.class);
    }

    /** {@code policy: cluster} on a node started without {@code --redis} is refused (SPEC §15). */
    @Override
    public void validateOnNode(JsonNode config, PluginContext context, String path, List<ConfigError> errors) {
        if (context.redis() == null && RateLimitConfig.from(config).cluster()) {
            errors.add(new ConfigError(path + ".policy", "cluster counts in Redis, but this node was "
                    + "started without --redis URL (use policy: local, or give the node --redis)"));
        }
    }

    @Override
    protected Plugin create(RateLimitConfig config, PluginContext context) {
        return new RateLimitPlugin(config, context, TokenBuckets.MAX_KEYS);
    }
}
