package stargate.node.plugin;

import com.fasterxml.jackson.databind.JsonNode;

import stargate.model.plugin.PluginConfig;
import stargate.model.plugin.PluginConfigs;
import stargate.model.plugin.RecordPluginSchema;
import stargate.model.validate.PluginSchema;

/**
 * A {@link PluginFactory} whose config is a {@link PluginConfig} record: binding, defaults and checks
 * are the record's (the same the validator applies), so a factory writes one typed method.
 *
 * @param <C> the config record
 */
public abstract class RecordPluginFactory<C extends Record & PluginConfig> implements PluginFactory {
    private final String name;
    private final Phase phase;
    private final Class<C> configType;
    private final PluginSchema schema;

    protected RecordPluginFactory(String name, Phase phase, Class<C> configType) {
        this.name = name;
        this.phase = phase;
        this.configType = configType;
        this.schema = new RecordPluginSchema<>(name, configType) {
        };
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Phase phase() {
        return phase;
    }

    @Override
    public final PluginSchema schema() {
        return schema;
    }

    @Override
    public final Plugin create(JsonNode config, PluginContext context) {
        return create(PluginConfigs.read(config, configType), context);
    }

    /** A plugin for a config that passed its record's checks. */
    protected abstract Plugin create(C config, PluginContext context);
}
