package stargate.controller.write;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import stargate.controller.store.ConfigState;
import stargate.controller.store.StoredObject;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.routing.Shadowing;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/**
 * Validation of one object write against the stored config, at a cost proportional to what it
 * touches rather than to the config: the object is validated (plain and storage form, as a whole
 * config would validate it) inside a small config holding it and the upstreams it names; then the
 * checks across objects run on the {@link ConfigState} indexes: the routes sharing one of its
 * routing leaves for shadowing, the holders of its API key hash, user name or SNI names for
 * uniqueness, and, for an upstream deleted, the objects naming it. Every rule of
 * {@link ConfigValidator} that involves two objects is one of these, so a write accepted here
 * leaves a config the whole validation accepts (the tests check both agree).
 *
 * <p>Error paths are relative to the object (the request body); errors about other objects name
 * them config-wide ({@code routes[12]}, lists in id order as {@code GET /config} exports them).
 */
final class ObjectChecks {
    private final ConfigValidator validator;

    ObjectChecks(ConfigValidator validator) {
        this.validator = validator;
    }

    /**
     * @param plain   the object as proposed (new secrets plain)
     * @param storage its storage form (secrets hashed); may be {@code plain} itself
     * @return every error; empty when the write is valid
     */
    List<ConfigError> check(ConfigState state, Kind kind, String id, Object plain, Object storage) {
        LinkedHashSet<ConfigError> all = new LinkedHashSet<>(relative(kind, validator.validate(mini(state, kind, plain))));
        if (storage != plain) {
            all.addAll(relative(kind, validator.validate(mini(state, kind, storage))));
        }
        if (!all.isEmpty()) {
            return List.copyOf(all);
        }
        List<ConfigError> errors = new ArrayList<>();
        switch (kind) {
            case ROUTE -> shadowing(state, id, (Route) storage, errors);
            case CONSUMER -> credentials(state, id, (Consumer) storage, errors);
            case CERTIFICATE -> {
                Certificate cert = (Certificate) storage;
                for (int i = 0; i < cert.snis().size(); i++) {
                    String other = firstOther(state.sniHolders(cert.snis().get(i)), id);
                    if (other != null) {
                        errors.add(new ConfigError("snis[" + i + "]", "\"" + cert.snis().get(i)
                                + "\" is already served by certificate \"" + other + "\""));
                    }
                }
            }
            default -> {
            }
        }
        return errors;
    }

    /** The objects naming upstream {@code id}, each as an error at its reference; empty when none does. */
    static List<ConfigError> referrers(ConfigState state, String id) {
        List<ConfigError> out = new ArrayList<>();
        for (String ref : state.referrers(id)) {
            int slash = ref.indexOf('/');
            Kind kind = ref.startsWith(Kind.ROUTE.key() + "/") ? Kind.ROUTE
                    : ref.startsWith(Kind.CONSUMER.key() + "/") ? Kind.CONSUMER : Kind.GLOBAL_PLUGINS;
            String refId = slash < 0 ? "" : ref.substring(slash + 1);
            StoredObject o = state.get(kind, refId).orElse(null);
            if (o == null) {
                continue;
            }
            String at = kind == Kind.GLOBAL_PLUGINS ? kind.key() : kind.key() + "[" + state.position(kind, refId) + "]";
            String who = kind == Kind.GLOBAL_PLUGINS ? "the global plugins" : (kind == Kind.ROUTE ? "route" : "consumer") + " \"" + refId + "\"";
            if (kind == Kind.ROUTE && id.equals(((Route) o.value()).upstream())) {
                out.add(new ConfigError(at + ".upstream", who + " refers to upstream \"" + id + "\""));
            } else {
                out.add(new ConfigError(at + ".plugins.traffic-split.upstream", who + " refers to upstream \"" + id + "\""));
            }
        }
        return out;
    }

    /** The object with the stored upstreams it names: what its own checks and its references need. */
    @SuppressWarnings("unchecked")
    private static GatewayConfig mini(ConfigState state, Kind kind, Object value) {
        List<Upstream> upstreams = new ArrayList<>();
        if (kind == Kind.UPSTREAM) {
            upstreams.add((Upstream) value);
        } else {
            for (String name : ConfigState.upstreamsOf(kind, value)) {
                state.get(Kind.UPSTREAM, name).ifPresent(o -> upstreams.add((Upstream) o.value()));
            }
        }
        return new GatewayConfig(kind == Kind.ROUTE ? List.of((Route) value) : List.of(), upstreams,
                kind == Kind.CONSUMER ? List.of((Consumer) value) : List.of(),
                kind == Kind.CERTIFICATE ? List.of((Certificate) value) : List.of(),
                kind == Kind.GLOBAL_PLUGINS ? (Map<String, JsonNode>) value : Map.of());
    }

    /** The focus is the first object of its kind in the small config: its paths become relative to it. */
    private static List<ConfigError> relative(Kind kind, List<ConfigError> errors) {
        String at = kind == Kind.GLOBAL_PLUGINS ? kind.key() : kind.key() + "[0]";
        return errors.stream().map(e -> e.path().equals(at) ? new ConfigError("", e.message())
                : e.path().startsWith(at + ".") ? new ConfigError(e.path().substring(at.length() + 1), e.message())
                : e).toList();
    }

    /** Shadowing between this route and the routes sharing one of its leaves (the only ones it can shadow or be shadowed by). */
    private static void shadowing(ConfigState state, String id, Route route, List<ConfigError> errors) {
        Set<String> others = state.routesSharing(Shadowing.leaves(route));
        others.remove(id);
        if (others.isEmpty()) {
            return;
        }
        TreeMap<String, Route> candidates = new TreeMap<>();
        others.forEach(other -> state.get(Kind.ROUTE, other).ifPresent(o -> candidates.put(other, (Route) o.value())));
        candidates.put(id, route);
        List<String> order = new ArrayList<>(candidates.keySet());
        boolean isNew = state.get(Kind.ROUTE, id).isEmpty();
        for (ConfigError e : Shadowing.find(new ArrayList<>(candidates.values()))) {
            String path = e.path();
            String which = order.get(Integer.parseInt(path.substring(path.indexOf('[') + 1, path.indexOf(']'))));
            if (which.equals(id)) {
                errors.add(new ConfigError("", e.message()));
            } else {
                int position = state.position(Kind.ROUTE, which) + (isNew && id.compareTo(which) < 0 ? 1 : 0);
                errors.add(new ConfigError(Kind.ROUTE.key() + "[" + position + "]", e.message()));
            }
        }
    }

    private static void credentials(ConfigState state, String id, Consumer consumer, List<ConfigError> errors) {
        if (consumer.keyAuth() != null && consumer.keyAuth().key() != null) {
            String other = firstOther(state.apiKeyHolders(consumer.keyAuth().key()), id);
            if (other != null) {
                errors.add(new ConfigError("key_auth.key", "already used by consumer \"" + other + "\""));
            }
        }
        if (consumer.basicAuth() != null && consumer.basicAuth().username() != null) {
            String other = firstOther(state.userNameHolders(consumer.basicAuth().username()), id);
            if (other != null) {
                errors.add(new ConfigError("basic_auth.username", "already used by consumer \"" + other + "\""));
            }
        }
    }

    private static String firstOther(Set<String> holders, String id) {
        return holders.stream().filter(h -> !h.equals(id)).findFirst().orElse(null);
    }
}
