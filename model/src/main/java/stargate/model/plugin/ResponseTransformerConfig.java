package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code response-transformer}: edits the response headers before they reach the client.
 *
 * @param headers header edits; default none
 */
public record ResponseTransformerConfig(HeaderEdits headers) implements PluginConfig {
    public static final String NAME = "response-transformer";

    public ResponseTransformerConfig {
        headers = headers == null ? HeaderEdits.NONE : headers;
    }

    public static ResponseTransformerConfig from(JsonNode config) {
        return PluginConfigs.read(config, ResponseTransformerConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        headers.check(problems.within("headers"));
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<ResponseTransformerConfig> {
        public Schema() {
            super(NAME, ResponseTransformerConfig.class);
        }
    }
}
