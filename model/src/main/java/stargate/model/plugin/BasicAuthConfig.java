package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code basic-auth}: {@code Authorization: Basic} checked against consumers'
 * {@code basic_auth: {username, password}}. Has no keys: {@code {}} is its only valid config
 * (binding refuses every key).
 */
public record BasicAuthConfig() implements PluginConfig {
    public static final String NAME = "basic-auth";

    public static BasicAuthConfig from(JsonNode config) {
        return PluginConfigs.read(config, BasicAuthConfig.class);
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<BasicAuthConfig> {
        public Schema() {
            super(NAME, BasicAuthConfig.class);
        }
    }
}
