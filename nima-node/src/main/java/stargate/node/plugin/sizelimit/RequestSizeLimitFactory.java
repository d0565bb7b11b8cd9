package stargate.node.plugin.sizelimit;

import stargate.model.plugin.RequestSizeLimitConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code request-size-limit} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class RequestSizeLimitFactory extends RecordPluginFactory<RequestSizeLimitConfig> {
    public RequestSizeLimitFactory() {
        super(RequestSizeLimitConfig.NAME, Phase.RATE_LIMIT, RequestSizeLimitConfig.class);
    }

    @Override
    protected Plugin create(RequestSizeLimitConfig config, PluginContext context) {
        return new RequestSizeLimitPlugin(config.maxBodySize().bytes());
    }
}
