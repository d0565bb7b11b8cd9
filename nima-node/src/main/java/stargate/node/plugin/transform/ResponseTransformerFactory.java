package stargate.node.plugin.transform;

import stargate.model.plugin.ResponseTransformerConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code response-transformer} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class ResponseTransformerFactory extends RecordPluginFactory<ResponseTransformerConfig> {
    public ResponseTransformerFactory() {
        super(ResponseTransformerConfig.NAME, Phase.RESPONSE_TRANSFORM, ResponseTransformerConfig.class);
    }

    @Override
    protected Plugin create(ResponseTransformerConfig config, PluginContext context) {
        return new ResponseTransformerPlugin(config.headers());
    }
}
