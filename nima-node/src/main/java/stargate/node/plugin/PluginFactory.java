package stargate.node.plugin;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import stargate.model.validate.ConfigError;
import stargate.model.validate.PluginSchema;

/**
 * Makes {@link Plugin}s of one kind: the service the node finds with {@link java.util.ServiceLoader}
 * on its class path and in every jar of its plugins directory. A jar lists its factories in
 * {@code META-INF/services/stargate.node.plugin.PluginFactory}; implementations need a public
 * no-argument constructor. Most extend {@link RecordPluginFactory}, which supplies the schema
 * from a config record.
 */
public interface PluginFactory {
    /** The name used in configs, e.g. {@code rate-limit}; unique across the node. */
    String name();

    /** Where the plugin runs in the chain. */
    Phase phase();

    /** How the config is validated, wherever it is set; the node refuses a config its schema refuses. */
    PluginSchema schema();

    /**
     * Checks that depend on this node, not on the config alone (its flags: a {@code rate-limit} with
     * {@code policy: cluster} needs {@code --redis}), run by the node's validator once {@link #schema}
     * accepted the config. None by default. Adds one error per problem, under {@code path}.
     */
    default void validateOnNode(JsonNode config, PluginContext context, String path, List<ConfigError> errors) {
    }

    /**
     * A plugin for one config, at snapshot compile time (never on the request path).
     *
     * @param config  a config {@link #schema} accepted
     * @param context clocks and meters
     */
    Plugin create(JsonNode config, PluginContext context);
}
