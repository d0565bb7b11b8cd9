package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** The plugin schemas the validator knows, by plugin name. Immutable, thread-safe. */
public final class PluginCatalog {
    private final Map<String, PluginSchema> schemas;

    private PluginCatalog(Iterable<? extends PluginSchema> schemas) {
        Map<String, PluginSchema> byName = new TreeMap<>();
        for (PluginSchema schema : schemas) {
            PluginSchema clash = byName.putIfAbsent(schema.name(), schema);
            if (clash != null) {
                throw new IllegalStateException("two schemas for plugin \"" + schema.name() + "\": "
                        + clash.getClass().getName() + " and " + schema.getClass().getName());
            }
        }
        this.schemas = Map.copyOf(byName);
    }

    /** Every schema {@link ServiceLoader} finds through {@code loader} (e.g. one over a {@code plugins/} directory). */
    public static PluginCatalog load(ClassLoader loader) {
        return new PluginCatalog(ServiceLoader.load(PluginSchema.class, loader));
    }

    /** Every schema on the class path of this class. */
    public static PluginCatalog load() {
        return load(PluginCatalog.class.getClassLoader());
    }

    /** Exactly these schemas. */
    public static PluginCatalog of(PluginSchema... schemas) {
        return new PluginCatalog(List.of(schemas));
    }

    public Optional<PluginSchema> find(String name) {
        return Optional.ofNullable(schemas.get(name));
    }

    public Set<String> names() {
        return new java.util.TreeSet<>(schemas.keySet());
    }

    /**
     * Checks a {@code plugins} map: every name must be known and every config an object its schema accepts.
     *
     * @param path where the map sits, e.g. {@code routes[0].plugins} or {@code global_plugins}
     */
    void validate(Map<String, JsonNode> plugins, String path, List<ConfigError> errors) {
        plugins.forEach((name, config) -> {
            String at = path + "." + name;
            Optional<PluginSchema> schema = find(name);
            if (schema.isEmpty()) {
                errors.add(new ConfigError(at, "unknown plugin \"" + name + "\""));
            } else if (config == null || !config.isObject()) {
                errors.add(new ConfigError(at, "expected a map (write {} for the defaults)"));
            } else {
                schema.get().validate(config, at, errors);
            }
        });
    }
}
