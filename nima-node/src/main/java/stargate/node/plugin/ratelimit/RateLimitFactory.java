package stargate.node.plugin.ratelimit;

import stargate.model.plugin.RateLimitConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code rate-limit} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class RateLimitFactory extends RecordPluginFactory<RateLimitConfig> {
    public RateLimitFactory() {
        super(RateLimitConfig.NAME, Phase.RATE_LIMIT, RateLimitConfig.class);
    }

    @Override
    protected Plugin create(RateLimitConfig config, PluginContext context) {
        return new RateLimitPlugin(config, context, TokenBuckets.MAX_KEYS);
    }
}
