package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec;

/**
 * What the checks of meaning see of a config: the objects that read cleanly, each remembered at
 * its place in the text, so that reading errors (unknown keys, wrong types) and errors of meaning
 * (dangling references, ranges) are reported in one pass with the paths the author wrote.
 *
 * <p>An object that failed to read is skipped by those checks, but only as far as needed: its id,
 * when it has one, still counts as declared, so a route naming an upstream that merely failed to
 * read gets no "unknown upstream" on top of the upstream's own error; and a list that is not a
 * list at all ({@code upstreams: {...}}) makes every reference to its kind count as declared.
 */
final class PartialConfig {
    private static final SortedMap<Integer, String> NONE = Collections.emptySortedMap();
    private final GatewayConfig readable;
    /** Per kind: the positions of the objects that failed to read, to their id (null when it has none). */
    private final Map<Kind, SortedMap<Integer, String>> unreadable;
    /** Kinds whose whole list failed to read: which ids it declares is unknown. */
    private final Set<Kind> unreadableLists;

    private PartialConfig(GatewayConfig readable, Map<Kind, SortedMap<Integer, String>> unreadable, Set<Kind> unreadableLists) {
        this.readable = readable;
        this.unreadable = unreadable;
        this.unreadableLists = unreadableLists;
    }

    /** A config that read completely. */
    static PartialConfig whole(GatewayConfig config) {
        return new PartialConfig(config, Map.of(), Set.of());
    }

    /** The parts of a config tree that read, each object bound on its own. */
    static PartialConfig of(JsonNode tree) {
        Map<Kind, SortedMap<Integer, String>> unreadable = new EnumMap<>(Kind.class);
        Set<Kind> unreadableLists = EnumSet.noneOf(Kind.class);
        List<Route> routes = readable(tree, Kind.ROUTE, Route.class, unreadable, unreadableLists);
        List<Upstream> upstreams = readable(tree, Kind.UPSTREAM, Upstream.class, unreadable, unreadableLists);
        List<Consumer> consumers = readable(tree, Kind.CONSUMER, Consumer.class, unreadable, unreadableLists);
        List<Certificate> certificates = readable(tree, Kind.CERTIFICATE, Certificate.class, unreadable, unreadableLists);
        // plugin configs stay raw trees in the model: any map of them reads
        Map<String, JsonNode> plugins = new LinkedHashMap<>();
        tree.path(Kind.GLOBAL_PLUGINS.key()).properties().forEach(e -> plugins.put(e.getKey(), e.getValue()));
        return new PartialConfig(new GatewayConfig(routes, upstreams, consumers, certificates, plugins),
                unreadable, unreadableLists);
    }

    /** The parts a streamed read found ({@link ConfigCodec#stream}); it must not be malformed. */
    static PartialConfig of(stargate.model.codec.StreamedConfig read) {
        return new PartialConfig(read.readable(), read.unreadable(), read.unreadableLists());
    }

    GatewayConfig readable() {
        return readable;
    }

    /** The same parts with the readable objects replaced by {@code resolve}'s (which keeps their number and order). */
    PartialConfig map(UnaryOperator<GatewayConfig> resolve) {
        return new PartialConfig(resolve.apply(readable), unreadable, unreadableLists);
    }

    /** Whether every object of this kind read. */
    boolean complete(Kind kind) {
        return !unreadableLists.contains(kind) && !unreadable.containsKey(kind);
    }

    /** @return the position in the text of the {@code index}-th readable object of this kind */
    int position(Kind kind, int index) {
        int position = index;
        for (int skipped : unreadable.getOrDefault(kind, NONE).keySet()) {
            if (skipped > position) {
                break;
            }
            position++;
        }
        return position;
    }

    /**
     * @param readableIds the ids of this kind's readable objects
     * @return whether {@code id} names an object of this kind, read or not
     */
    boolean declares(Kind kind, Set<String> readableIds, String id) {
        return readableIds.contains(id) || unreadableLists.contains(kind)
                || unreadable.getOrDefault(kind, NONE).containsValue(id);
    }

    private static <T extends Record> List<T> readable(JsonNode tree, Kind kind, Class<T> type,
                                                       Map<Kind, SortedMap<Integer, String>> unreadable,
                                                       Set<Kind> unreadableLists) {
        JsonNode list = tree.path(kind.key());
        List<T> out = new ArrayList<>();
        if (list.isMissingNode() || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            unreadableLists.add(kind);
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode object = list.get(i);
            Validated<T> read = ConfigCodec.readRecord(object, type, "");
            if (read.isValid()) {
                out.add(read.value());
            } else {
                JsonNode id = object.path("id");
                unreadable.computeIfAbsent(kind, k -> new TreeMap<>())
                        .put(i, id.isValueNode() && !id.isNull() ? id.asText() : null);
            }
        }
        return out;
    }
}
