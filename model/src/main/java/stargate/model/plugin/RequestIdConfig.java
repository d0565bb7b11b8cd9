package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code request-id}: the request id header, kept when the client sent one, else generated; sent
 * upstream, returned to the client and written to the access log.
 *
 * @param header the header's name; default {@code X-Request-Id}; not a hop-by-hop header
 */
public record RequestIdConfig(String header) implements PluginConfig {
    public static final String NAME = "request-id";

    public RequestIdConfig {
        header = header == null ? "X-Request-Id" : header;
    }

    public static RequestIdConfig from(JsonNode config) {
        return PluginConfigs.read(config, RequestIdConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        HttpSyntax.writableHeaderName(problems, "header", header);
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<RequestIdConfig> {
        public Schema() {
            super(NAME, RequestIdConfig.class);
        }
    }
}
