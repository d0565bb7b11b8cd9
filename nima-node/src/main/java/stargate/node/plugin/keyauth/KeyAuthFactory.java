package stargate.node.plugin.keyauth;

import stargate.model.plugin.KeyAuthConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code key-auth} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class KeyAuthFactory extends RecordPluginFactory<KeyAuthConfig> {
    public KeyAuthFactory() {
        super(KeyAuthConfig.NAME, Phase.AUTH, KeyAuthConfig.class);
    }

    @Override
    protected Plugin create(KeyAuthConfig config, PluginContext context) {
        return new KeyAuthPlugin(config);
    }
}
