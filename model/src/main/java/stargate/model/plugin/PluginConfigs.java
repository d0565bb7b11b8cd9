package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * Turns a plugin's JSON config into its typed record: bind (the codec's rules), then the record's
 * own {@link PluginConfig#check}. The validator and the node's plugin runtime both go through
 * here, so a config the validator accepts is exactly one the node can build. Thread-safe.
 */
public final class PluginConfigs {
    private PluginConfigs() {
    }

    /**
     * @param config the plugin's config, a JSON object ({@code {}} for the defaults)
     * @param path   prefixed to every error path, e.g. {@code routes[0].plugins.rate-limit}; empty for relative paths
     * @return the record, or every error found
     */
    public static <T extends Record & PluginConfig> Validated<T> check(JsonNode config, Class<T> type, String path) {
        Validated<T> bound = ConfigCodec.readRecord(Objects.requireNonNull(config, "config"), type, path);
        if (!bound.isValid()) {
            return bound;
        }
        List<ConfigError> errors = new ArrayList<>();
        bound.value().check(new ConfigProblems(path, errors));
        return errors.isEmpty() ? bound : Validated.invalid(errors);
    }

    /**
     * For configs already validated, e.g. by the node when it compiles a config snapshot.
     *
     * @throws IllegalArgumentException listing every error (paths relative to the config) when it is invalid
     */
    public static <T extends Record & PluginConfig> T read(JsonNode config, Class<T> type) {
        return check(config, type, "").orElseThrow();
    }

    /** An unmodifiable copy that keeps the written order (header edits apply in that order); null is empty. */
    static <V> Map<String, V> orderedCopy(Map<String, V> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** An unmodifiable copy; null is {@code orElse}. */
    static <V> List<V> copy(List<V> list, List<V> orElse) {
        return list == null ? orElse : Collections.unmodifiableList(new ArrayList<>(list));
    }
}
