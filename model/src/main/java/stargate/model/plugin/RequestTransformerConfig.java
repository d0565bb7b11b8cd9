package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code request-transformer}: edits the request before it is proxied.
 *
 * @param headers header edits; default none
 * @param path    the path sent upstream, a template that may use the route's variables
 *                ({@code /v2/users/{id}}); default null (the path is left alone)
 */
public record RequestTransformerConfig(HeaderEdits headers, String path) implements PluginConfig {
    public static final String NAME = "request-transformer";

    public RequestTransformerConfig {
        headers = headers == null ? HeaderEdits.NONE : headers;
    }

    public static RequestTransformerConfig from(JsonNode config) {
        return PluginConfigs.read(config, RequestTransformerConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        headers.check(problems.within("headers"));
        if (path != null) {
            HttpSyntax.pathTemplate(problems, "path", path);
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<RequestTransformerConfig> {
        public Schema() {
            super(NAME, RequestTransformerConfig.class);
        }
    }
}
