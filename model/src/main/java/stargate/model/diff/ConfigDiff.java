package stargate.model.diff;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;

/**
 * Object-level differences between two configs: what the controller writes to etcd, what a
 * dry run answers, what history and logs show.
 *
 * <p>Design: per kind, index both lists by id and walk the sorted union of ids, comparing objects
 * with record equality (deep, plugin configs included). O(n log n) in the number of objects. The
 * global plugins map is one object of kind {@link Kind#GLOBAL_PLUGINS} with an empty id; an empty
 * map counts as absent. Ids must be unique per kind (as in any validated config).
 */
public final class ConfigDiff {
    /** One kind's list in a config, and how to read an object's id. */
    private record Section<T>(Kind kind, Class<T> type, Function<GatewayConfig, List<T>> objects,
                              Function<T, String> id) {
        Map<String, T> byId(GatewayConfig config) {
            Map<String, T> out = new LinkedHashMap<>();
            for (T object : objects.apply(config)) {
                if (out.put(id.apply(object), object) != null) {
                    throw new IllegalArgumentException("duplicate " + kind.key() + " id \"" + id.apply(object) + "\"");
                }
            }
            return out;
        }
    }

    private static final Section<Route> ROUTES = new Section<>(Kind.ROUTE, Route.class, GatewayConfig::routes, Route::id);
    private static final Section<Upstream> UPSTREAMS =
            new Section<>(Kind.UPSTREAM, Upstream.class, GatewayConfig::upstreams, Upstream::id);
    private static final Section<Consumer> CONSUMERS =
            new Section<>(Kind.CONSUMER, Consumer.class, GatewayConfig::consumers, Consumer::id);
    private static final Section<Certificate> CERTIFICATES =
            new Section<>(Kind.CERTIFICATE, Certificate.class, GatewayConfig::certificates, Certificate::id);
    private static final String NO_ID = "";

    private ConfigDiff() {
    }

    /** @return the changes from {@code before} to {@code after}, ordered by kind, then id */
    public static List<Change> diff(GatewayConfig before, GatewayConfig after) {
        List<Change> changes = new ArrayList<>();
        for (Section<?> section : List.of(ROUTES, UPSTREAMS, CONSUMERS, CERTIFICATES)) {
            diff(section, before, after, changes);
        }
        Map<String, ?> oldPlugins = before.globalPlugins();
        Map<String, ?> newPlugins = after.globalPlugins();
        Object o = oldPlugins.isEmpty() ? null : oldPlugins;
        Object n = newPlugins.isEmpty() ? null : newPlugins;
        change(Kind.GLOBAL_PLUGINS, NO_ID, o, n, changes);
        return List.copyOf(changes);
    }

    private static <T> void diff(Section<T> section, GatewayConfig before, GatewayConfig after, List<Change> out) {
        Map<String, T> old = section.byId(before);
        Map<String, T> current = section.byId(after);
        TreeSet<String> ids = new TreeSet<>(old.keySet());
        ids.addAll(current.keySet());
        for (String id : ids) {
            change(section.kind(), id, old.get(id), current.get(id), out);
        }
    }

    private static void change(Kind kind, String id, Object before, Object after, List<Change> out) {
        if (before == null && after != null) {
            out.add(new Change(kind, id, Change.Op.ADDED, null, after));
        } else if (before != null && after == null) {
            out.add(new Change(kind, id, Change.Op.REMOVED, before, null));
        } else if (!Objects.equals(before, after)) {
            out.add(new Change(kind, id, Change.Op.CHANGED, before, after));
        }
    }

    /**
     * Applies changes to a config: a changed object keeps its place, a removed one leaves, an
     * added one is appended (in the order of the changes). So {@code apply(a, diff(a, b))} holds
     * the same objects as {@code b}, possibly in another order (order never affects routing).
     *
     * @throws IllegalArgumentException when a change does not fit {@code base} (adding an id that
     *         exists, changing or removing one that does not)
     */
    @SuppressWarnings("unchecked")
    public static GatewayConfig apply(GatewayConfig base, List<Change> changes) {
        Map<String, ?> plugins = base.globalPlugins();
        for (Change c : changes) {
            if (c.kind() == Kind.GLOBAL_PLUGINS) {
                plugins = c.op() == Change.Op.REMOVED ? Map.of() : (Map<String, ?>) c.after();
            }
        }
        return new GatewayConfig(apply(ROUTES, base, changes), apply(UPSTREAMS, base, changes),
                apply(CONSUMERS, base, changes), apply(CERTIFICATES, base, changes),
                (Map<String, JsonNode>) plugins);
    }

    private static <T> List<T> apply(Section<T> section, GatewayConfig base, List<Change> changes) {
        Map<String, T> objects = section.byId(base);
        for (Change c : changes) {
            if (c.kind() != section.kind()) {
                continue;
            }
            boolean exists = objects.containsKey(c.id());
            if (exists == (c.op() == Change.Op.ADDED)) {
                throw new IllegalArgumentException("cannot apply " + c + ": " + (exists ? "it exists" : "no such object"));
            }
            if (c.op() == Change.Op.REMOVED) {
                objects.remove(c.id());
            } else {
                objects.put(c.id(), section.type().cast(c.after()));
            }
        }
        return new ArrayList<>(objects.values());
    }

    /**
     * {@link #summary} of the changes from the empty config to {@code config}, counted instead of
     * listed: a node's first config (100,000 routes at start) is not diffed against nothing.
     *
     * @return e.g. {@code +100000 routes, +100 upstreams, +global plugins}, or {@code no changes}
     */
    public static String summaryOfNew(GatewayConfig config) {
        StringJoiner out = new StringJoiner(", ");
        for (Section<?> section : List.of(ROUTES, UPSTREAMS, CONSUMERS, CERTIFICATES)) {
            int n = section.objects().apply(config).size();
            if (n > 0) {
                out.add(Change.Op.ADDED.sign() + section.kind().count(n));
            }
        }
        if (!config.globalPlugins().isEmpty()) {
            out.add(Change.Op.ADDED.sign() + "global plugins");
        }
        return out.length() == 0 ? "no changes" : out.toString();
    }

    /** @return e.g. {@code +2 routes, ~1 upstream, -1 consumer, ~global plugins}, or {@code no changes} */
    public static String summary(List<Change> changes) {
        Map<Kind, Map<Change.Op, Integer>> counts = new EnumMap<>(Kind.class);
        for (Change c : changes) {
            counts.computeIfAbsent(c.kind(), k -> new TreeMap<>()).merge(c.op(), 1, Integer::sum);
        }
        StringJoiner out = new StringJoiner(", ");
        counts.forEach((kind, byOp) -> byOp.forEach((op, n) ->
                out.add(op.sign() + (kind == Kind.GLOBAL_PLUGINS ? "global plugins" : kind.count(n)))));
        return changes.isEmpty() ? "no changes" : out.toString();
    }
}
