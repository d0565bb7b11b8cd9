package stargate.node.plugin.basicauth;

import stargate.model.plugin.BasicAuthConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code basic-auth} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class BasicAuthFactory extends RecordPluginFactory<BasicAuthConfig> {
    public BasicAuthFactory() {
        super(BasicAuthConfig.NAME, Phase.AUTH, BasicAuthConfig.class);
    }

    @Override
    protected Plugin create(BasicAuthConfig config, PluginContext context) {
        return new BasicAuthPlugin();
    }
}
