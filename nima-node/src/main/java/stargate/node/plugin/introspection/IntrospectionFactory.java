package stargate.node.plugin.introspection;

import stargate.model.plugin.OAuth2IntrospectionConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code oauth2-introspection} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class IntrospectionFactory extends RecordPluginFactory<OAuth2IntrospectionConfig> {
    public IntrospectionFactory() {
        super(OAuth2IntrospectionConfig.NAME, Phase.AUTH, OAuth2IntrospectionConfig.class);
    }

    @Override
    protected Plugin create(OAuth2IntrospectionConfig config, PluginContext context) {
        return new IntrospectionPlugin(config, new Introspector(config, Introspector.TIMEOUT), context,
                TokenCache.MAX_ENTRIES);
    }
}
