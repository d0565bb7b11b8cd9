package stargate.node.plugin.iprestriction;

import stargate.model.plugin.IpRestrictionConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code ip-restriction} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class IpRestrictionFactory extends RecordPluginFactory<IpRestrictionConfig> {
    public IpRestrictionFactory() {
        super(IpRestrictionConfig.NAME, Phase.EDGE, IpRestrictionConfig.class);
    }

    @Override
    protected Plugin create(IpRestrictionConfig config, PluginContext context) {
        return new IpRestrictionPlugin(config);
    }
}
