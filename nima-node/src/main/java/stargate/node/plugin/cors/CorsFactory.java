package stargate.node.plugin.cors;

import stargate.model.plugin.CorsConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code cors} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class CorsFactory extends RecordPluginFactory<CorsConfig> {
    public CorsFactory() {
        super(CorsConfig.NAME, Phase.EDGE, CorsConfig.class);
    }

    @Override
    protected Plugin create(CorsConfig config, PluginContext context) {
        return new CorsPlugin(config);
    }
}
