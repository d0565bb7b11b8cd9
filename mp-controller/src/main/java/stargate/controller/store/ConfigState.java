package stargate.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.routing.Shadowing;

/**
 * The controller's copy of the config in etcd, with the indexes that let one write be checked
 * against what it touches instead of the whole config: which objects name each upstream, which
 * routes share each routing leaf (only those can shadow each other), and who claims each API key
 * hash, basic-auth user name and SNI name.
 *
 * <p>Owned by the one thread that commits writes (see {@code ConfigService}): only it mutates the
 * state, and only between commits; it may be stale when another controller wrote, which the write
 * fence detects (the state is then read again). Other threads may read objects ({@link #get}),
 * weakly consistently, e.g. to hash a new password before the write reaches the committer; the
 * indexes are the committing thread's alone.
 */
public final class ConfigState implements ConfigView {
    private final Map<Kind, ConcurrentSkipListMap<String, StoredObject>> objects = new EnumMap<>(Kind.class);
    /*
     * Each index maps a key to its holders: one holder as the String itself, two or more as a
     * TreeSet. Most keys have one holder (an upstream named by one route, a leaf one route
     * occupies), and a set per key was ~100 B per object at 100,000 objects (bench/controller-heap.sh).
     */
    /** Upstream id to the {@code kind/id} of every object that names it. */
    private final Map<String, Object> upstreamReferrers = new HashMap<>();
    /** Routing leaf to the ids of the routes occupying it. */
    private final Map<String, Object> leaves = new HashMap<>();
    private final Map<String, Object> apiKeys = new HashMap<>();
    private final Map<String, Object> userNames = new HashMap<>();
    private final Map<String, Object> snis = new HashMap<>();
    private long revision;
    private long fenceRevision;
    private long writes;

    private ConfigState() {
        for (Kind kind : Kind.values()) {
            objects.put(kind, new ConcurrentSkipListMap<>());
        }
    }

    /** The state as a snapshot holds it; O(config). */
    public static ConfigState of(Snapshot snapshot) {
        ConfigState state = new ConfigState();
        for (Kind kind : Kind.values()) {
            snapshot.list(kind).forEach(state::put);
        }
        state.revision = snapshot.revision();
        state.fenceRevision = snapshot.fenceRevision();
        state.writes = snapshot.writes();
        return state;
    }

    /** A snapshot of this state (for whole-config writes); O(config). */
    public Snapshot snapshot() {
        Map<Kind, Map<String, StoredObject>> copy = new EnumMap<>(Kind.class);
        objects.forEach(copy::put);
        return new Snapshot(revision, fenceRevision, writes, copy);
    }

    @Override
    public Optional<StoredObject> get(Kind kind, String id) {
        return Optional.ofNullable(objects.get(kind).get(id));
    }

    /** The objects of one kind, id order; a live view (the committing thread's). */
    public NavigableMap<String, StoredObject> all(Kind kind) {
        return objects.get(kind);
    }

    /** The etcd revision this state is known to hold at. */
    public long revision() {
        return revision;
    }

    public long fenceRevision() {
        return fenceRevision;
    }

    /** How many config writes made it: the next write is number {@code writes + 1}. */
    public long writes() {
        return writes;
    }

    /** After a commit at {@code revision} of {@code count} writes. */
    public void committed(long revision, long count) {
        this.revision = revision;
        this.fenceRevision = revision;
        this.writes += count;
    }

    /**
     * Catches up with what another controller committed (see {@link EtcdStore.CommitResult}).
     *
     * @return false when that cannot be done exactly (an object was deleted): read the state again
     */
    public boolean catchUp(EtcdStore.CommitResult result) {
        result.changed().forEach(this::put);
        for (Kind kind : Kind.values()) {
            if (result.counts().getOrDefault(kind, -1L) != objects.get(kind).size()) {
                return false;
            }
        }
        revision = result.snapshotRevision();
        fenceRevision = result.fenceRevision();
        writes = result.writes();
        return true;
    }

    /** Puts (or replaces) one object, keeping the indexes. */
    public void put(StoredObject o) {
        StoredObject old = objects.get(o.kind()).put(o.id(), o);
        if (old != null) {
            unindex(old);
        }
        index(o, true);
    }

    /** Sets the mod revision of an object just committed (its value and indexes stay). */
    public void stamp(Kind kind, String id, long modRevision) {
        objects.get(kind).computeIfPresent(id, (k, o) -> new StoredObject(o.kind(), o.id(), o.value(), o.meta(), modRevision));
    }

    public void remove(Kind kind, String id) {
        StoredObject old = objects.get(kind).remove(id);
        if (old != null) {
            unindex(old);
        }
    }

    /** The {@code kind/id} of every object naming upstream {@code id}, in order. */
    public Set<String> referrers(String upstream) {
        return new TreeSet<>(holders(upstreamReferrers, upstream));
    }

    /** The ids of the routes occupying any of {@code routeLeaves}. */
    public Set<String> routesSharing(Set<String> routeLeaves) {
        Set<String> out = new TreeSet<>();
        routeLeaves.forEach(leaf -> out.addAll(holders(leaves, leaf)));
        return out;
    }

    /** The ids of the consumers whose stored API key (hash) is {@code key}. */
    public Set<String> apiKeyHolders(String key) {
        return holders(apiKeys, key);
    }

    public Set<String> userNameHolders(String name) {
        return holders(userNames, name);
    }

    public Set<String> sniHolders(String sni) {
        return holders(snis, sni);
    }

    /** The place of {@code id} among the objects of its kind in id order (what config-wide error paths use). */
    public int position(Kind kind, String id) {
        return objects.get(kind).headMap(id).size();
    }

    /** The upstreams an object names: a route's upstream, and any plugin map's {@code traffic-split.upstream}. */
    public static Set<String> upstreamsOf(Kind kind, Object value) {
        Set<String> out = new LinkedHashSet<>();
        switch (kind) {
            case ROUTE -> {
                Route route = (Route) value;
                if (route.upstream() != null) {
                    out.add(route.upstream());
                }
                splitUpstream(route.plugins(), out);
            }
            case CONSUMER -> splitUpstream(((Consumer) value).plugins(), out);
            case GLOBAL_PLUGINS -> splitUpstream(plugins(value), out);
            default -> {
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, JsonNode> plugins(Object value) {
        return (Map<String, JsonNode>) value;
    }

    private static void splitUpstream(Map<String, JsonNode> plugins, Set<String> out) {
        JsonNode split = plugins == null ? null : plugins.get("traffic-split");
        JsonNode upstream = split == null ? null : split.get("upstream");
        if (upstream != null && upstream.isValueNode() && !upstream.isNull() && !upstream.asText().isBlank()) {
            out.add(upstream.asText());
        }
    }

    private void unindex(StoredObject o) {
        index(o, false);
    }

    private void index(StoredObject o, boolean add) {
        String ref = o.kind().key() + "/" + o.id();
        upstreamsOf(o.kind(), o.value()).forEach(u -> claim(upstreamReferrers, u, ref, add));
        switch (o.kind()) {
            case ROUTE -> Shadowing.leaves((Route) o.value()).forEach(leaf -> claim(leaves, leaf, o.id(), add));
            case CONSUMER -> {
                Consumer c = (Consumer) o.value();
                if (c.keyAuth() != null && c.keyAuth().key() != null) {
                    claim(apiKeys, c.keyAuth().key(), o.id(), add);
                }
                if (c.basicAuth() != null && c.basicAuth().username() != null) {
                    claim(userNames, c.basicAuth().username(), o.id(), add);
                }
            }
            case CERTIFICATE -> ((Certificate) o.value()).snis().forEach(sni -> claim(snis, sni, o.id(), add));
            default -> {
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void claim(Map<String, Object> index, String key, String holder, boolean add) {
        if (add) {
            index.merge(key, holder, (held, h) -> {
                if (held instanceof String one) {
                    return one.equals(h) ? one : new TreeSet<>(Set.of(one, holder));
                }
                ((Set<String>) held).add(holder);
                return held;
            });
        } else {
            index.computeIfPresent(key, (k, held) -> {
                if (held instanceof String one) {
                    return one.equals(holder) ? null : one;
                }
                TreeSet<String> set = (TreeSet<String>) held;
                set.remove(holder);
                return set.size() == 1 ? set.first() : set;
            });
        }
    }

    /** The holders of {@code key}, read-only. */
    @SuppressWarnings("unchecked")
    private static Set<String> holders(Map<String, Object> index, String key) {
        Object held = index.get(key);
        return held == null ? Set.of() : held instanceof String one ? Set.of(one)
                : Collections.unmodifiableSet((Set<String>) held);
    }
}
