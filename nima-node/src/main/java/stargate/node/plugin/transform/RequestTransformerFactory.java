package stargate.node.plugin.transform;

import stargate.model.plugin.RequestTransformerConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code request-transformer} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class RequestTransformerFactory extends RecordPluginFactory<RequestTransformerConfig> {
    public RequestTransformerFactory() {
        super(RequestTransformerConfig.NAME, Phase.TRANSFORM, RequestTransformerConfig.class);
    }

    @Override
    protected Plugin create(RequestTransformerConfig config, PluginContext context) {
        return new RequestTransformerPlugin(config);
    }
}
