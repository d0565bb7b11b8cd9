package stargate.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.secret.SecretHash;
import stargate.model.validate.ConfigError;
import stargate.model.validate.PluginCatalog;
import stargate.model.validate.PluginSchema;

/**
 * Credentials at rest and on the way out.
 *
 * <p>At rest: API keys and basic-auth passwords in the hashed forms of {@link SecretHash} (shared
 * with the node, which verifies against them). Certificate keys are stored as given: nodes need
 * them to serve TLS. Plugin configs keep their credentials (the keys a plugin's schema names in
 * {@link PluginSchema#secretFields()}, e.g. jwt-auth's HMAC {@code secret}) as given: nodes use them.
 *
 * <p>On the way out every secret is {@link #MASK}. Sending the mask back on a write keeps the
 * stored secret, so a client can PUT what it GOT (and re-import an export) without knowing secrets.
 */
public final class Secrets {
    /** What the API shows instead of a secret; sent back, it means "keep the stored one". */
    public static final String MASK = "********";
    private static final PluginCatalog PLUGINS = PluginCatalog.load();

    private Secrets() {
    }

    /**
     * Replaces masks in an incoming object by the secrets {@code previous} (storage form) holds.
     * The result is what validation sees: new secrets plain, kept ones as stored.
     *
     * @param path   the object's path, for errors ({@code ""} for a request body that is the object)
     * @param errors receives an error for a mask with no stored secret behind it
     */
    @SuppressWarnings("unchecked")
    public static Object unmask(Object incoming, Object previous, String path, List<ConfigError> errors) {
        if (incoming instanceof Route r) {
            Map<String, JsonNode> old = previous instanceof Route p ? p.plugins() : Map.of();
            return withPlugins(r, unmaskPlugins(r.plugins(), old, at(path, "plugins"), errors));
        }
        if (incoming instanceof Map<?, ?> globalPlugins) {
            Map<String, JsonNode> old = previous instanceof Map<?, ?> p ? (Map<String, JsonNode>) p : Map.of();
            return unmaskPlugins((Map<String, JsonNode>) globalPlugins, old, path, errors);
        }
        if (incoming instanceof Consumer c) {
            Consumer old = previous instanceof Consumer p ? p : null;
            Consumer.KeyAuth keyAuth = c.keyAuth();
            if (keyAuth != null && MASK.equals(keyAuth.key())) {
                keyAuth = kept(old == null || old.keyAuth() == null ? null : old.keyAuth(), path, "key_auth.key", errors);
            }
            Consumer.BasicAuth basic = c.basicAuth();
            if (basic != null && MASK.equals(basic.password())) {
                String stored = old == null || old.basicAuth() == null ? null : old.basicAuth().password();
                basic = stored == null ? kept(null, path, "basic_auth.password", errors)
                        : new Consumer.BasicAuth(basic.username(), stored);
            }
            Map<String, JsonNode> plugins = unmaskPlugins(c.plugins(), old == null ? Map.of() : old.plugins(),
                    at(path, "plugins"), errors);
            return new Consumer(c.id(), keyAuth, basic, c.jwt(), plugins);
        }
        if (incoming instanceof Certificate c && (MASK.equals(c.key()) || MASK.equals(c.ecdsaKey()))) {
            Certificate old = previous instanceof Certificate p ? p : null;
            String key = c.key();
            if (MASK.equals(key)) {
                key = kept(old == null ? null : old.key(), path, "key", errors);
            }
            String ecdsaKey = c.ecdsaKey();
            if (MASK.equals(ecdsaKey)) {
                ecdsaKey = kept(old == null ? null : old.ecdsaKey(), path, "ecdsa_key", errors);
            }
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), key, c.keyFile(),
                    c.ecdsaCert(), c.ecdsaCertFile(), ecdsaKey, c.ecdsaKeyFile(), c.ocspStapling());
        }
        return incoming;
    }

    /**
     * Unmasks every object of a whole config (a {@code PUT /config} body, a Git tree): a mask keeps
     * what is stored under the same kind and id.
     *
     * @param stored the stored value of an object, or null
     * @param pathOf where an object of the incoming config sits, for errors
     */
    @SuppressWarnings("unchecked")
    public static GatewayConfig unmask(GatewayConfig incoming, BiFunction<Kind, String, Object> stored,
                                       ObjectPath pathOf, List<ConfigError> errors) {
        return new GatewayConfig(
                unmaskAll(incoming.routes(), Kind.ROUTE, Route::id, stored, pathOf, errors),
                incoming.upstreams(),
                unmaskAll(incoming.consumers(), Kind.CONSUMER, Consumer::id, stored, pathOf, errors),
                unmaskAll(incoming.certificates(), Kind.CERTIFICATE, Certificate::id, stored, pathOf, errors),
                incoming.globalPlugins().isEmpty() ? incoming.globalPlugins()
                        : (Map<String, JsonNode>) unmask(incoming.globalPlugins(), stored.apply(Kind.GLOBAL_PLUGINS, ""),
                        pathOf.of(Kind.GLOBAL_PLUGINS, 0, ""), errors));
    }

    /** Where an object of a config sits, e.g. {@code consumers[2]} or {@code routes/a.yaml: routes[0]}. */
    @FunctionalInterface
    public interface ObjectPath {
        String of(Kind kind, int index, String id);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> unmaskAll(List<T> objects, Kind kind, java.util.function.Function<T, String> idOf,
                                         BiFunction<Kind, String, Object> stored, ObjectPath pathOf,
                                         List<ConfigError> errors) {
        List<T> out = new ArrayList<>(objects.size());
        for (int i = 0; i < objects.size(); i++) {
            T object = objects.get(i);
            String id = idOf.apply(object);
            out.add((T) unmask(object, id == null ? null : stored.apply(kind, id), pathOf.of(kind, i, id), errors));
        }
        return out;
    }

    private static <T> T kept(T stored, String path, String field, List<ConfigError> errors) {
        if (stored == null) {
            errors.add(new ConfigError(at(path, field),
                    "\"" + MASK + "\" keeps the stored secret, and there is none: send the secret itself"));
        }
        return stored;
    }

    private static String at(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** Masks in plugin secrets replaced by the values the same plugin of the stored object holds. */
    private static Map<String, JsonNode> unmaskPlugins(Map<String, JsonNode> plugins, Map<String, JsonNode> stored,
                                                       String path, List<ConfigError> errors) {
        return rewritePlugins(plugins, (name, field) -> {
            JsonNode old = stored.get(name);
            JsonNode value = old == null ? null : old.get(field);
            kept(value == null || !value.isTextual() || MASK.equals(value.asText()) ? null : value,
                    path, name + "." + field, errors);
            return value;
        }, true);
    }

    private static Map<String, JsonNode> maskPlugins(Map<String, JsonNode> plugins) {
        return rewritePlugins(plugins, (name, field) -> com.fasterxml.jackson.databind.node.TextNode.valueOf(MASK), false);
    }

    /**
     * A copy of {@code plugins} in which each secret field is replaced (only masked ones when
     * {@code onlyMasks}); the same map when nothing is, so most objects cost nothing.
     */
    private static Map<String, JsonNode> rewritePlugins(Map<String, JsonNode> plugins,
                                                        BiFunction<String, String, JsonNode> replacement, boolean onlyMasks) {
        Map<String, JsonNode> out = null;
        for (Map.Entry<String, JsonNode> plugin : plugins.entrySet()) {
            Set<String> secrets = PLUGINS.find(plugin.getKey()).map(PluginSchema::secretFields).orElse(Set.of());
            JsonNode config = plugin.getValue();
            ObjectNode copy = null;
            for (String field : secrets) {
                JsonNode value = config == null ? null : config.get(field);
                if (value == null || value.isNull() || (onlyMasks && !(value.isTextual() && MASK.equals(value.asText())))) {
                    continue;
                }
                JsonNode replaced = replacement.apply(plugin.getKey(), field);
                if (copy == null) {
                    copy = ((ObjectNode) config).deepCopy();
                }
                if (replaced == null) {
                    copy.remove(field);
                } else {
                    copy.set(field, replaced);
                }
            }
            if (copy != null) {
                if (out == null) {
                    out = new LinkedHashMap<>(plugins);
                }
                out.put(plugin.getKey(), copy);
            }
        }
        return out == null ? plugins : out;
    }

    private static Route withPlugins(Route r, Map<String, JsonNode> plugins) {
        return plugins == r.plugins() ? r : new Route(r.id(), r.hosts(), r.paths(), r.methods(), r.headers(), r.priority(),
                r.upstream(), r.stripPrefix(), r.rewrite(), r.preserveHost(), r.timeouts(), r.retries(), plugins, r.websocket());
    }

    /**
     * The storage form of an unmasked object: new API keys and passwords hashed, kept ones as they
     * were. A password equal to the stored one keeps the stored hash (same object, no new salt), so
     * re-applying the same config file changes nothing.
     */
    public static Object toStorage(Object unmasked, Object previous) {
        if (!(unmasked instanceof Consumer c)) {
            return unmasked;
        }
        Consumer old = previous instanceof Consumer p ? p : null;
        Consumer.KeyAuth keyAuth = c.keyAuth();
        if (keyAuth != null && keyAuth.key() != null
                && !(old != null && old.keyAuth() != null && keyAuth.key().equals(old.keyAuth().key()))) {
            keyAuth = new Consumer.KeyAuth(SecretHash.hashApiKey(keyAuth.key()));
        }
        Consumer.BasicAuth basic = c.basicAuth();
        if (basic != null && basic.password() != null) {
            String stored = old == null || old.basicAuth() == null ? null : old.basicAuth().password();
            boolean same = stored != null && (basic.password().equals(stored) || SecretHash.passwordMatches(basic.password(), stored));
            basic = new Consumer.BasicAuth(basic.username(), same ? stored : SecretHash.hashPassword(basic.password()));
        }
        return new Consumer(c.id(), keyAuth, basic, c.jwt(), c.plugins());
    }

    /** A stored config as the API exports it: every secret replaced by {@link #MASK}. */
    @SuppressWarnings("unchecked")
    public static GatewayConfig masked(GatewayConfig stored) {
        return new GatewayConfig(stored.routes().stream().map(r -> (Route) masked(r)).toList(), stored.upstreams(),
                stored.consumers().stream().map(c -> (Consumer) masked(c)).toList(),
                stored.certificates().stream().map(c -> (Certificate) masked(c)).toList(),
                (Map<String, JsonNode>) masked(stored.globalPlugins()));
    }

    /** A stored object as the API shows it: every secret replaced by {@link #MASK}. */
    @SuppressWarnings("unchecked")
    public static Object masked(Object stored) {
        if (stored instanceof Route r) {
            return withPlugins(r, maskPlugins(r.plugins()));
        }
        if (stored instanceof Map<?, ?> globalPlugins) {
            return maskPlugins((Map<String, JsonNode>) globalPlugins);
        }
        if (stored instanceof Consumer c) {
            Consumer.KeyAuth keyAuth = c.keyAuth() == null ? null : new Consumer.KeyAuth(MASK);
            Consumer.BasicAuth basic = c.basicAuth() == null ? null : new Consumer.BasicAuth(c.basicAuth().username(), MASK);
            return new Consumer(c.id(), keyAuth, basic, c.jwt(), maskPlugins(c.plugins()));
        }
        if (stored instanceof Certificate c && (c.key() != null || c.ecdsaKey() != null)) {
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), c.key() == null ? null : MASK, c.keyFile(),
                    c.ecdsaCert(), c.ecdsaCertFile(), c.ecdsaKey() == null ? null : MASK, c.ecdsaKeyFile(), c.ocspStapling());
        }
        return stored;
    }
}
