package stargate.node.plugin.proxycache;

import stargate.model.plugin.ProxyCacheConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code proxy-cache} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class ProxyCacheFactory extends RecordPluginFactory<ProxyCacheConfig> {
    public ProxyCacheFactory() {
        super(ProxyCacheConfig.NAME, Phase.PROXY, ProxyCacheConfig.class);
    }

    @Override
    protected Plugin create(ProxyCacheConfig config, PluginContext context) {
        return new ProxyCachePlugin(config, context);
    }
}
