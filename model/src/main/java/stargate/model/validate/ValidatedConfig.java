package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;
import stargate.model.routing.ShadowIndex;

/**
 * A config that passed {@link ConfigValidator#validate}, kept with what lets a change to it be
 * validated without validating the whole config again (SPEC §12: one route change at 100,000 routes
 * applied in 10 ms): {@link #check} a list of changes, then {@link #commit} the ones that passed.
 *
 * <p>What a change can break, and what is looked at:
 * <ul>
 *   <li>the changed objects themselves: their own checks, as the whole validation runs them;</li>
 *   <li>references: a removed upstream breaks the routes that name it ({@code upstream} or a
 *       {@code traffic-split} upstream), found by one pass over the routes (no reverse index: it
 *       would hold an entry per route, ~40 B each at 100,000 routes, for a change that is rare and
 *       costs ~1 ms of scanning); consumers and the global plugins, which may name upstreams too,
 *       are checked again whole when an upstream goes;</li>
 *   <li>credential and SNI uniqueness: the consumers and certificates are checked again whole when
 *       one of them changes (they are few next to routes);</li>
 *   <li>shadowing: only among the routes that share a leaf with a changed route ({@link ShadowIndex}).</li>
 * </ul>
 * The errors are those {@link ConfigValidator#validate} reports on the changed config
 * ({@link Checked#config()}), in the same order; {@code IncrementalValidationTest} checks that on
 * seeded random change sequences. Error paths index that config's lists, where a change replaces an
 * object in place, appends an added one, and moves the last object of its list into the place of a
 * removed one (O(1); order never affects matching).
 *
 * <p>Cost per check: O(changed objects + routes in the touched leaves), plus O(routes) when an
 * upstream is removed and O(consumers + certificates) when one of those changes or an upstream is
 * removed. Kept per route (SPEC §12: <= 1 KiB of heap per route, all of the node counted): a slot
 * of the route list, one of {@link IdPositions} and the route's leaf in {@link ShadowIndex}.
 * Mutable and not thread-safe: one owner checks and commits.
 */
public final class ValidatedConfig {
    private final PluginCatalog plugins;
    private final Section<Route> routes;
    private final Section<Upstream> upstreams;
    private List<Consumer> consumers;
    private List<Certificate> certificates;
    private Map<String, JsonNode> globalPlugins;
    private final ShadowIndex shadows;
    private GatewayConfig config;
    /** Bumped by each commit, so a {@link Checked} of an older state is refused. */
    private long version;

    ValidatedConfig(GatewayConfig valid, PluginCatalog plugins) {
        this(valid, plugins, ShadowIndex.of(valid.routes()));
    }

    /** @param shadows {@code valid}'s routes by leaf, built by the validation that found it valid */
    ValidatedConfig(GatewayConfig valid, PluginCatalog plugins, ShadowIndex shadows) {
        this.plugins = plugins;
        this.routes = new Section<>(valid.routes(), Route::id);
        this.upstreams = new Section<>(valid.upstreams(), Upstream::id);
        this.consumers = valid.consumers();
        this.certificates = valid.certificates();
        this.globalPlugins = valid.globalPlugins();
        this.shadows = shadows;
        this.config = valid;
    }

    /** The config as of the last commit; built again after a commit (O(n) list copies), then kept. */
    public GatewayConfig config() {
        if (config == null) {
            config = new GatewayConfig(routes.items, upstreams.items, consumers, certificates, globalPlugins);
        }
        return config;
    }

    /** What {@link #check} found for one list of changes. */
    public final class Checked {
        private final long checkedVersion;
        private final List<Change> changes;
        private final List<ConfigError> errors;
        private final Section<Route>.Overlay routesAfter;
        private final Section<Upstream>.Overlay upstreamsAfter;
        private final Others othersAfter;

        private Checked(List<Change> changes, List<ConfigError> errors, Section<Route>.Overlay routesAfter,
                        Section<Upstream>.Overlay upstreamsAfter, Others othersAfter) {
            this.checkedVersion = version;
            this.changes = changes;
            this.errors = errors;
            this.routesAfter = routesAfter;
            this.upstreamsAfter = upstreamsAfter;
            this.othersAfter = othersAfter;
        }

        /**
         * The id of the object an error path such as {@code routes[3]} names: the object at that place
         * of the changed config's list (O(1)); null when there is none, or for the global plugins.
         */
        public String idAt(Kind kind, int index) {
            return switch (kind) {
                case ROUTE -> index < routesAfter.size() ? routesAfter.at(index).id() : null;
                case UPSTREAM -> index < upstreamsAfter.size() ? upstreamsAfter.at(index).id() : null;
                case CONSUMER -> index < othersAfter.consumers.size() ? othersAfter.consumers.get(index).id() : null;
                case CERTIFICATE -> index < othersAfter.certificates.size() ? othersAfter.certificates.get(index).id() : null;
                case GLOBAL_PLUGINS -> null;
            };
        }

        /** The changes checked, as given. */
        public List<Change> changes() {
            return changes;
        }

        /** Every error of the changed config, as the whole validation reports them; empty when valid. */
        public List<ConfigError> errors() {
            return errors;
        }

        public boolean isValid() {
            return errors.isEmpty();
        }

        /** The changed config, built here (O(n)): for tests and tools; {@link #commit} is the way to use it. */
        public GatewayConfig config() {
            Section<Route>.Overlay r = routes.overlay();
            Section<Upstream>.Overlay u = upstreams.overlay();
            Others others = new Others();
            for (Change change : changes) {
                apply(change, r, u, others);
            }
            return new GatewayConfig(r.list(), u.list(), others.consumers, others.certificates, others.globalPlugins);
        }
    }

    /**
     * Validates this config with {@code changes} applied, in order.
     *
     * @param changes objects added, changed or removed, by kind and id ({@link Change#after()} is the new
     *                object; {@link Change#before()} is not used: the current version is known here)
     */
    public Checked check(List<Change> changes) {
        Section<Route>.Overlay r = routes.overlay();
        Section<Upstream>.Overlay u = upstreams.overlay();
        Others others = new Others();
        Map<String, Route> touchedRoutes = new LinkedHashMap<>();   // id -> old version (null: new id)
        Set<String> touchedUpstreams = new HashSet<>();
        Set<String> removedUpstreams = new HashSet<>();
        for (Change change : changes) {
            switch (change.kind()) {
                case ROUTE -> touchedRoutes.putIfAbsent(change.id(), r.get(change.id()));
                case UPSTREAM -> {
                    touchedUpstreams.add(change.id());
                    if (change.after() == null && u.get(change.id()) != null) {
                        removedUpstreams.add(change.id());
                    }
                }
                default -> { }
            }
            apply(change, r, u, others);
        }
        removedUpstreams.removeIf(id -> u.get(id) != null); // removed, then added again
        Predicate<String> upstreamDeclared = id -> u.get(id) != null;

        Set<String> recheck = new HashSet<>(touchedRoutes.keySet());
        if (!removedUpstreams.isEmpty()) {
            for (Route route : routes.items) { // the routes a change touched are in recheck already
                if (namesAny(route, removedUpstreams)) {
                    recheck.add(route.id());
                }
            }
        }
        Findings f = new Findings();
        List<Route> present = new ArrayList<>();
        for (String id : recheck) {
            if (r.get(id) != null) {
                present.add(r.get(id));
            }
        }
        present.sort(Comparator.comparingInt(route -> r.position(route.id())));
        RouteChecks routeChecks = new RouteChecks(f, upstreamDeclared, plugins);
        for (Route route : present) {
            String at = "routes[" + r.position(route.id()) + "]";
            ids(f, at, route.id());
            routeChecks.check(route, at);
        }
        boolean routesValid = f.count() == 0;
        List<Upstream> changedUpstreams = new ArrayList<>();
        for (String id : touchedUpstreams) {
            if (u.get(id) != null) {
                changedUpstreams.add(u.get(id));
            }
        }
        changedUpstreams.sort(Comparator.comparingInt(upstream -> u.position(upstream.id())));
        UpstreamChecks upstreamChecks = new UpstreamChecks(f);
        for (Upstream upstream : changedUpstreams) {
            String at = "upstreams[" + u.position(upstream.id()) + "]";
            ids(f, at, upstream.id());
            upstreamChecks.check(upstream, at);
        }
        if (others.touched || !removedUpstreams.isEmpty()) {
            PartialConfig whole = PartialConfig.whole(GatewayConfig.EMPTY);
            CredentialChecks credentials = new CredentialChecks(f, upstreamDeclared, plugins);
            ConfigValidator.section(f, Kind.CONSUMER, others.consumers, whole, Consumer::id, credentials::consumer);
            ConfigValidator.section(f, Kind.CERTIFICATE, others.certificates, whole, Certificate::id, credentials::certificate);
            plugins.validate(others.globalPlugins, Kind.GLOBAL_PLUGINS.key(), f.errors());
            ConfigValidator.upstreamReferences(others.globalPlugins, Kind.GLOBAL_PLUGINS.key(), upstreamDeclared, f);
        }
        if (routesValid && !touchedRoutes.isEmpty()) {
            List<Route> before = new ArrayList<>();
            List<Route> after = new ArrayList<>();
            touchedRoutes.forEach((id, old) -> {
                if (old != null) {
                    before.add(old);
                }
                if (r.get(id) != null) {
                    after.add(r.get(id));
                }
            });
            f.errors().addAll(shadows.find(before, after, r::position));
        }
        return new Checked(List.copyOf(changes), List.copyOf(f.errors()), r, u, others);
    }

    /**
     * Makes the checked changes this config's own.
     *
     * @return the new config
     * @throws IllegalStateException when {@code checked} has errors, or was made before another commit
     */
    public GatewayConfig commit(Checked checked) {
        if (!checked.isValid() || checked.checkedVersion != version) {
            throw new IllegalStateException(checked.isValid() ? "checked against an older config" : "the change is invalid");
        }
        Others others = new Others();
        for (Change change : checked.changes) {
            if (change.kind() == Kind.ROUTE) {
                Route old = routes.get(change.id());
                if (old != null) {
                    shadows.remove(old);
                }
                if (change.after() instanceof Route now) {
                    shadows.add(now);
                }
            }
            apply(change, routes.mutable(), upstreams.mutable(), others);
        }
        consumers = others.consumers;
        certificates = others.certificates;
        globalPlugins = others.globalPlugins;
        version++;
        config = null;
        return config();
    }

    /** The non-route, non-upstream parts as a change leaves them: copied only when touched. */
    private final class Others {
        List<Consumer> consumers = ValidatedConfig.this.consumers;
        List<Certificate> certificates = ValidatedConfig.this.certificates;
        Map<String, JsonNode> globalPlugins = ValidatedConfig.this.globalPlugins;
        boolean touched;
    }

    @SuppressWarnings("unchecked")
    private static void apply(Change change, Section<Route>.Ops r, Section<Upstream>.Ops u, ValidatedConfig.Others others) {
        Object after = change.after();
        switch (change.kind()) {
            case ROUTE -> {
                if (after == null) {
                    r.remove(change.id());
                } else {
                    r.put((Route) after);
                }
            }
            case UPSTREAM -> {
                if (after == null) {
                    u.remove(change.id());
                } else {
                    u.put((Upstream) after);
                }
            }
            case CONSUMER -> {
                others.consumers = replaced(others.consumers, change.id(), (Consumer) after, Consumer::id);
                others.touched = true;
            }
            case CERTIFICATE -> {
                others.certificates = replaced(others.certificates, change.id(), (Certificate) after, Certificate::id);
                others.touched = true;
            }
            case GLOBAL_PLUGINS -> {
                others.globalPlugins = after == null ? Map.of() : (Map<String, JsonNode>) after;
                others.touched = true;
            }
        }
    }

    /** A short list with one object replaced in place, appended, or removed (the last one moved into its place). */
    private static <T> List<T> replaced(List<T> list, String id, T now, Function<T, String> idOf) {
        List<T> out = new ArrayList<>(list);
        int at = -1;
        for (int i = 0; i < out.size(); i++) {
            if (idOf.apply(out.get(i)).equals(id)) {
                at = i;
                break;
            }
        }
        if (now != null) {
            if (at >= 0) {
                out.set(at, now);
            } else {
                out.add(now);
            }
        } else if (at >= 0) {
            T last = out.remove(out.size() - 1);
            if (at < out.size()) {
                out.set(at, last);
            }
        }
        return out;
    }

    private static void ids(Findings f, String at, String id) {
        if (f.required(at + ".id", id) && !Syntax.isId(id)) {
            f.add(at + ".id", "invalid id \"" + id + "\": expected [a-z0-9][a-z0-9._-]{0,63}");
        }
    }

    /** Whether a route names one of {@code upstreams}: as its own, or as a traffic-split's. */
    private static boolean namesAny(Route route, Set<String> upstreams) {
        if (route.upstream() != null && upstreams.contains(route.upstream())) {
            return true;
        }
        JsonNode split = route.plugins().get("traffic-split");
        JsonNode upstream = split == null ? null : split.get("upstream");
        return upstream != null && upstream.isValueNode() && !upstream.isNull() && upstreams.contains(upstream.asText());
    }

    /**
     * One list of objects with unique ids and their positions: replace in place, append, or remove by
     * moving the last object into the gap, each O(1). {@link Overlay} plays the same operations over
     * the list without changing it, so a check sees the positions a commit will make.
     */
    private static final class Section<T> {
        final ArrayList<T> items;
        final IdPositions positions;
        final Function<T, String> idOf;

        Section(List<T> items, Function<T, String> idOf) {
            this.items = new ArrayList<>(items);
            this.idOf = idOf;
            this.positions = new IdPositions(items.size());
            for (int i = 0; i < items.size(); i++) {
                positions.put(idOf.apply(items.get(i)), i);
            }
        }

        T get(String id) {
            int at = positions.get(id);
            return at < 0 ? null : items.get(at);
        }

        Ops mutable() {
            return new Ops() {
                @Override
                T at(int i) {
                    return items.get(i);
                }

                @Override
                int size() {
                    return items.size();
                }

                @Override
                int position(String id) {
                    return positions.get(id);
                }

                @Override
                void set(int i, T item) {
                    if (i == items.size()) {
                        items.add(item);
                    } else {
                        items.set(i, item);
                    }
                    positions.put(idOf.apply(item), i);
                }

                @Override
                void drop(String id) {
                    items.remove(items.size() - 1);
                    positions.remove(id);
                }
            };
        }

        Overlay overlay() {
            return new Overlay();
        }

        /** The list operations, over the list itself ({@link #mutable}) or over an overlay. */
        abstract class Ops {
            abstract T at(int i);

            abstract int size();

            abstract int position(String id);

            /** Puts {@code item} at {@code i} ({@code i == size()} appends) and records its position. */
            abstract void set(int i, T item);

            /** Forgets {@code id} and shortens the list by one (its last slot was moved already). */
            abstract void drop(String id);

            T get(String id) {
                int at = position(id);
                return at < 0 ? null : at(at);
            }

            void put(T item) {
                int at = position(idOf.apply(item));
                set(at >= 0 ? at : size(), item);
            }

            void remove(String id) {
                int at = position(id);
                if (at < 0) {
                    return;
                }
                int last = size() - 1;
                if (at != last) {
                    set(at, at(last));
                }
                drop(id);
            }
        }

        final class Overlay extends Ops {
            private final Map<Integer, T> slots = new HashMap<>();
            private final Map<String, Integer> moved = new HashMap<>();
            private int size = items.size();

            @Override
            T at(int i) {
                T item = slots.get(i);
                return item != null ? item : items.get(i);
            }

            @Override
            int size() {
                return size;
            }

            @Override
            int position(String id) {
                Integer at = moved.get(id);
                if (at != null) {
                    return at;
                }
                int base = positions.get(id);
                // a base position now past the end or holding another object means it went
                return base < 0 || base >= size || !idOf.apply(at(base)).equals(id) ? -1 : base;
            }

            @Override
            void set(int i, T item) {
                slots.put(i, item);
                if (i == size) {
                    size++;
                }
                moved.put(idOf.apply(item), i);
            }

            @Override
            void drop(String id) {
                slots.remove(size - 1);
                size--;
                moved.remove(id);
                // mark it gone even if its base slot still shows it (it was the last one)
                moved.put(id, -1);
            }

            List<T> list() {
                List<T> out = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    out.add(at(i));
                }
                return out;
            }
        }
    }
}
