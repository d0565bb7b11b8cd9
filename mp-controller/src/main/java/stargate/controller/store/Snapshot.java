package stargate.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;

/**
 * The whole config as etcd held it at one revision, objects in id order (etcd's key order). Every
 * write starts from a snapshot and commits only if no config write happened since (see
 * {@link EtcdStore#commit}).
 *
 * @param revision      the etcd revision the snapshot was read at: the config revision
 * @param fenceRevision the mod revision of the last-change key (0 = never written); the write fence
 * @param writes        how many config writes made this config: the {@code writes} count the
 *                      last-change key holds (its version when written before writes were counted
 *                      there; 0 = never written); the next write is number {@code writes + 1},
 *                      which numbers its history and audit entries
 */
public record Snapshot(long revision, long fenceRevision, long writes, Map<Kind, Map<String, StoredObject>> objects)
        implements ConfigView {

    public Snapshot {
        Map<Kind, Map<String, StoredObject>> copy = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            copy.put(kind, new TreeMap<>(objects.getOrDefault(kind, Map.of())));
        }
        objects = copy;
    }

    /** @param id empty for {@link Kind#GLOBAL_PLUGINS} */
    @Override
    public Optional<StoredObject> get(Kind kind, String id) {
        return Optional.ofNullable(objects.get(kind).get(id));
    }

    /** The objects of one kind, in id order. */
    public List<StoredObject> list(Kind kind) {
        return List.copyOf(objects.get(kind).values());
    }

    /** The config in storage form, each list in id order (so error paths match the export's order). */
    public GatewayConfig config() {
        return configWith(null, null, null);
    }

    /**
     * The config with one object put in its id-ordered place, or removed.
     *
     * @param kind  null = no change
     * @param value the object (storage form, or with new secrets plain); null = remove it
     */
    @SuppressWarnings("unchecked")
    public GatewayConfig configWith(Kind kind, String id, Object value) {
        Map<Kind, TreeMap<String, Object>> values = new EnumMap<>(Kind.class);
        objects.forEach((k, byId) -> {
            TreeMap<String, Object> copy = new TreeMap<>();
            byId.forEach((i, o) -> copy.put(i, o.value()));
            values.put(k, copy);
        });
        if (kind != null && value == null) {
            values.get(kind).remove(id);
        } else if (kind != null) {
            values.get(kind).put(id, value);
        }
        Object plugins = values.get(Kind.GLOBAL_PLUGINS).get("");
        return new GatewayConfig(list(values, Kind.ROUTE, Route.class), list(values, Kind.UPSTREAM, Upstream.class),
                list(values, Kind.CONSUMER, Consumer.class), list(values, Kind.CERTIFICATE, Certificate.class),
                plugins == null ? Map.of() : (Map<String, JsonNode>) plugins);
    }

    private static <T> List<T> list(Map<Kind, TreeMap<String, Object>> values, Kind kind, Class<T> type) {
        return values.get(kind).values().stream().map(type::cast).toList();
    }
}
