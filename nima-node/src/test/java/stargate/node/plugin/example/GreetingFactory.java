package stargate.node.plugin.example;

import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/**
 * The example plugin's factory: what a plugin jar lists in
 * {@code META-INF/services/stargate.node.plugin.PluginFactory}. See docs/plugins.md.
 */
public final class GreetingFactory extends RecordPluginFactory<GreetingConfig> {
    public GreetingFactory() {
        super(GreetingConfig.NAME, Phase.RESPONSE_TRANSFORM, GreetingConfig.class);
    }

    @Override
    protected Plugin create(GreetingConfig config, PluginContext context) {
        return new GreetingPlugin(config);
    }
}
