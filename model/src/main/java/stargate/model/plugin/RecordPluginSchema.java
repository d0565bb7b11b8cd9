package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import stargate.model.validate.ConfigError;
import stargate.model.validate.PluginSchema;

/**
 * The schema of a plugin whose config is a {@link PluginConfig} record: validating is
 * {@link PluginConfigs#check}. A concrete subclass with a public no-argument constructor is what
 * {@code META-INF/services/stargate.model.validate.PluginSchema} lists (ServiceLoader needs one);
 * the built-in ones are nested in their config records ({@code RateLimitConfig.Schema}).
 */
public abstract class RecordPluginSchema<T extends Record & PluginConfig> implements PluginSchema {
    private final String name;
    private final Class<T> configType;

    protected RecordPluginSchema(String name, Class<T> configType) {
        this.name = name;
        this.configType = configType;
    }

    @Override
    public final String name() {
        return name;
    }

    /** The record a valid config reads as, for {@link PluginConfigs#read}. */
    public final Class<T> configType() {
        return configType;
    }

    @Override
    public final void validate(JsonNode config, String path, List<ConfigError> errors) {
        errors.addAll(PluginConfigs.check(config, configType, path).errors());
    }
}
