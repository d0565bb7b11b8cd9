package stargate.node.plugin.requestid;

import stargate.model.plugin.RequestIdConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code request-id} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class RequestIdFactory extends RecordPluginFactory<RequestIdConfig> {
    public RequestIdFactory() {
        super(RequestIdConfig.NAME, Phase.EDGE, RequestIdConfig.class);
    }

    @Override
    protected Plugin create(RequestIdConfig config, PluginContext context) {
        return new RequestIdPlugin(config);
    }
}
