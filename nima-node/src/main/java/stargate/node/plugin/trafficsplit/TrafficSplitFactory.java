package stargate.node.plugin.trafficsplit;

import stargate.model.plugin.TrafficSplitConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code traffic-split} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class TrafficSplitFactory extends RecordPluginFactory<TrafficSplitConfig> {
    public TrafficSplitFactory() {
        super(TrafficSplitConfig.NAME, Phase.TRANSFORM, TrafficSplitConfig.class);
    }

    @Override
    protected Plugin create(TrafficSplitConfig config, PluginContext context) {
        return new TrafficSplitPlugin(config);
    }
}
