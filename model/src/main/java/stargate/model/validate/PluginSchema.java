package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The config schema of one plugin: how the validator checks a plugin's config wherever it is set
 * (on a route, a consumer, or in {@code global_plugins}) without knowing the plugin.
 *
 * <p>Found with {@link java.util.ServiceLoader}: a plugin jar lists its implementation in
 * {@code META-INF/services/stargate.model.validate.PluginSchema}. Implementations must be
 * stateless and thread-safe, and must not touch the network or the file system: validation runs
 * offline ({@code stargate validate}) and on every config change.
 */
public interface PluginSchema {
    /** The plugin's config name, e.g. {@code rate-limit}. */
    String name();

    /**
     * Adds one error per problem in {@code config}; adds nothing when it is valid.
     *
     * @param config the plugin's config, always a JSON object ({@code {}} when nothing is set)
     * @param path   where the config sits, e.g. {@code routes[0].plugins.rate-limit}; an error on a
     *               key uses {@code path + ".rate"}
     * @param errors where to add errors
     */
    void validate(JsonNode config, String path, List<ConfigError> errors);

    /**
     * The top-level keys of this plugin's config that hold credentials (an HMAC secret, a client
     * secret). The controller's API never shows their values: it answers a mask instead, and a mask
     * sent back keeps the stored value. Default: none.
     */
    default java.util.Set<String> secretFields() {
        return java.util.Set.of();
    }
}
