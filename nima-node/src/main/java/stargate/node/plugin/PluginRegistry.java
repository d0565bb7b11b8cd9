package stargate.node.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import stargate.model.validate.ConfigError;
import stargate.model.validate.PluginCatalog;
import stargate.model.validate.PluginSchema;

/**
 * The plugins this node can run, by name: every {@link PluginFactory} that {@link ServiceLoader} finds
 * on the node's class path and in the jars of a plugins directory. Loaded once at start; immutable.
 *
 * <p>Its {@link #catalog(PluginContext)} is what the node validates configs with, so a config naming a plugin the
 * node cannot run is refused (never silently ignored: a missing auth plugin would open a route), and
 * so is a plugin that runs before authentication configured per consumer.
 */
public final class PluginRegistry {
    private static final Logger LOG = Logger.getLogger(PluginRegistry.class.getName());

    private final Map<String, PluginFactory> factories;
    private final ClassLoader loader;

    private PluginRegistry(Iterable<PluginFactory> found, ClassLoader loader) {
        Map<String, PluginFactory> byName = new TreeMap<>();
        for (PluginFactory factory : found) {
            PluginFactory clash = byName.putIfAbsent(factory.name(), factory);
            if (clash != null) {
                throw new IllegalStateException("two plugins named \"" + factory.name() + "\": "
                        + clash.getClass().getName() + " and " + factory.getClass().getName());
            }
        }
        this.factories = Collections.unmodifiableMap(byName);
        this.loader = loader;
    }

    /**
     * The built-in plugins plus those in {@code pluginsDir}'s jars (each jar lists its factories in
     * {@code META-INF/services/stargate.node.plugin.PluginFactory}); a missing directory adds none.
     * The jars share one class loader whose parent is the node's, so they see the plugin API and the model.
     */
    public static PluginRegistry load(Path pluginsDir) {
        ClassLoader parent = PluginRegistry.class.getClassLoader();
        List<URL> jars = new ArrayList<>();
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            try (Stream<Path> files = Files.list(pluginsDir)) {
                for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    jars.add(jar.toUri().toURL());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list plugins directory " + pluginsDir, e);
            }
        }
        ClassLoader loader = jars.isEmpty() ? parent
                : new URLClassLoader("stargate-plugins", jars.toArray(URL[]::new), parent);
        PluginRegistry registry = new PluginRegistry(ServiceLoader.load(PluginFactory.class, loader), loader);
        LOG.info("event=plugins_loaded dir=" + pluginsDir + " jars=" + jars.size() + " plugins=" + registry.names());
        return registry;
    }

    /** Exactly these factories (tests). */
    public static PluginRegistry of(PluginFactory... factories) {
        return new PluginRegistry(List.of(factories), PluginRegistry.class.getClassLoader());
    }

    public java.util.Set<String> names() {
        return factories.keySet();
    }

    PluginFactory factory(String name) {
        return factories.get(name);
    }

    /**
     * The schemas to validate configs with: one per runnable plugin (refusing a pre-auth plugin under
     * {@code consumers[..].plugins}), plus, for each plugin the config model knows but this node has no
     * factory for, a schema that refuses it with a clear message.
     */
    public PluginCatalog catalog(PluginContext context) {
        Map<String, PluginSchema> schemas = new TreeMap<>();
        for (PluginSchema known : ServiceLoader.load(PluginSchema.class, loader)) {
            schemas.put(known.name(), new NotRunnable(known.name()));
        }
        factories.values().forEach(f -> schemas.put(f.name(), new Placed(f, context)));
        return PluginCatalog.of(schemas.values().toArray(PluginSchema[]::new));
    }

    /**
     * A plugin's schema, plus: plugins that run before authentication cannot be set per consumer, and the
     * factory's checks against this node ({@link PluginFactory#validateOnNode}).
     */
    private record Placed(PluginFactory factory, PluginContext context) implements PluginSchema {
        @Override
        public String name() {
            return factory.name();
        }

        @Override
        public void validate(JsonNode config, String path, List<ConfigError> errors) {
            if (path.startsWith("consumers[") && !factory.phase().afterAuth()) {
                errors.add(new ConfigError(path, "plugin \"" + factory.name() + "\" runs in phase "
                        + factory.phase() + ", before the consumer is known: it cannot be set per consumer"));
                return;
            }
            int before = errors.size();
            factory.schema().validate(config, path, errors);
            if (errors.size() == before) {
                factory.validateOnNode(config, context, path, errors);
            }
        }
    }

    /** A plugin the config model knows but this node cannot run. */
    private record NotRunnable(String name) implements PluginSchema {
        @Override
        public void validate(JsonNode config, String path, List<ConfigError> errors) {
            errors.add(new ConfigError(path, "plugin \"" + name + "\" is not available on this node (no "
                    + "PluginFactory named \"" + name + "\"; add its jar to the plugins directory or remove it)"));
        }
    }
}
