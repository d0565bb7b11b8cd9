package stargate.node.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;
import stargate.model.validate.ValidatedConfig;
import stargate.node.observe.SourceStatus;

/**
 * The config as etcd holds it, one key per object, and the config the node serves from it: each
 * object at its newest version when that version is valid, else at its last good version (or
 * absent when it never had one). No etcd client here: {@link EtcdSource} feeds it keys.
 *
 * <p>Design. Two maps: {@code desired} (each key's newest version as read or watched, parsed
 * once) and {@code served} (the objects of the config being served, all valid together).
 * {@link #resolve()} moves the served config towards the desired one:
 * <ol>
 *   <li>Objects that do not read (bad JSON, unknown keys, an id that does not match the key) are
 *       rejected alone; they never reach the config.</li>
 *   <li>Every other difference is a change (added, changed, removed). All changes are applied to
 *       the served config and the result is validated as a whole: the common case, one validation.</li>
 *   <li>If it is invalid, each error is traced to its object through its path ({@code routes[3]}
 *       is the fourth route of the candidate). Changed objects with errors are reverted to their
 *       last good version and the rest is validated again, until the candidate is valid or the
 *       remaining errors sit on unchanged objects. Reverting can surface a follow-up error (a new
 *       route whose new upstream was just reverted), hence the loop; it ends because each round
 *       reverts at least one change.</li>
 *   <li>Errors on unchanged objects come from a change elsewhere (an upstream removed while a
 *       route still uses it, a new route that shadows an old one). The remaining changes are then
 *       tried one at a time on top of what was accepted, in revision order, removals of dependents
 *       (routes) first and additions of dependencies (upstreams) first, and each one that breaks
 *       the config is rejected with the errors it causes.</li>
 * </ol>
 * Cost: a resolve looks only at the keys touched since the last one (and those still refused).
 * Given the served config's validation state ({@link ValidatedConfig}, kept by the node's applier),
 * a change of a few objects is checked against it alone ({@link ValidatedConfig#check}: the changed
 * objects and what references them), so a candidate costs what changed, not the config's size: one
 * check when the changes are valid; with invalid ones, one per revert round plus one per change tried
 * alone in step 4. Without it (the first read, a change of more objects than the caller allows) each
 * candidate is the served map plus an overlay, validated whole (O(n)).
 * A change still rejected is tried again on each later resolve, so a route that arrived before its
 * upstream is served as soon as the upstream arrives. Not thread-safe: one applier thread owns it.
 */
final class EtcdConfigReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ITEM_PATH = Pattern.compile("^(routes|upstreams|consumers|certificates)\\[(\\d+)](.*)$");
    /** Apply order of additions: what others reference first. Removals go the other way round. */
    private static final List<Kind> DEPENDENCY_ORDER =
            List.of(Kind.UPSTREAM, Kind.CERTIFICATE, Kind.CONSUMER, Kind.GLOBAL_PLUGINS, Kind.ROUTE);

    /** One object's place: its kind and id (empty for the global plugins, one object per config). */
    record ObjectKey(Kind kind, String id) {
        static final Comparator<ObjectKey> ORDER = Comparator.comparing(ObjectKey::kind).thenComparing(ObjectKey::id);

        @Override
        public String toString() {
            return id.isEmpty() ? kind.key() : kind.key() + "/" + id;
        }
    }

    /** A key's newest version: its mod revision and the object it reads as (null = deleted), or why it does not read. */
    private record Version(long revision, Object object, List<ConfigError> errors) {
    }

    /** One difference between the served and the desired config; {@code object} null = removal. */
    private record Change(ObjectKey key, long revision, Object object) {
        /** Within one revision: removals first, dependents (routes) before dependencies; then additions the other way round. */
        int applyRank() {
            int rank = DEPENDENCY_ORDER.indexOf(key.kind());
            return object == null ? DEPENDENCY_ORDER.size() - 1 - rank : DEPENDENCY_ORDER.size() + rank;
        }
    }

    /**
     * What a resolve decided: nothing to apply, a whole config, or a change checked against the
     * served config (at most one of {@code config} and {@code checked}).
     *
     * @param config   the whole config to serve now (checked against no base), or null
     * @param checked  the accepted changes, valid against the base the resolve was given, or null
     * @param rejected every object whose newest version is not served, in key order
     * @param changes  what changed in the served config, e.g. {@code +1 route}, or {@code no changes}
     */
    record Resolution(GatewayConfig config, ValidatedConfig.Checked checked, List<SourceStatus.Rejected> rejected,
                      String changes) {
        boolean applies() {
            return config != null || checked != null;
        }
    }

    private final String keyPrefix;
    private final ConfigValidator validator;
    private final Map<ObjectKey, Version> desired = new HashMap<>();
    private TreeMap<ObjectKey, Object> served = new TreeMap<>(ObjectKey.ORDER);
    /** Keys whose desired version may differ from the served one: what the next resolve looks at. */
    private Set<ObjectKey> dirty = new HashSet<>();
    /** During a resolve: the served config's validation state to check small changes against, or null. */
    private ValidatedConfig base;

    /** @param prefix the etcd prefix without a trailing slash, e.g. {@code /stargate} */
    EtcdConfigReader(String prefix, ConfigValidator validator) {
        this.keyPrefix = prefix + "/";
        this.validator = validator;
    }

    /** Starts from a config known to be good (the cache), as if it were being served. */
    void serve(GatewayConfig config) {
        served = objects(config);
    }

    /** The config being served (as of the last resolve). */
    GatewayConfig served() {
        return config(Map.of());
    }

    /**
     * Records a put seen in etcd.
     *
     * @return whether the key is a config object (anything else under the prefix is ignored)
     */
    boolean put(String key, String value, long modRevision) {
        ObjectKey at = objectKey(key);
        if (at == null) {
            return false;
        }
        desired.put(at, read(at, value, modRevision));
        dirty.add(at);
        return true;
    }

    /** Records a delete seen in etcd at {@code revision}; returns whether the key is a config object. */
    boolean delete(String key, long revision) {
        ObjectKey at = objectKey(key);
        if (at == null) {
            return false;
        }
        desired.put(at, new Version(revision, null, List.of()));
        dirty.add(at);
        return true;
    }

    /**
     * Replaces the whole desired state with a fresh read of the prefix at {@code revision}: keys
     * missing from it were deleted meanwhile (after compaction or a lost watch).
     *
     * @param values key to (value, mod revision), every key under the prefix
     */
    void replaceAll(Map<String, KeyVersion> values, long revision) {
        Map<ObjectKey, Version> fresh = new HashMap<>();
        values.forEach((key, kv) -> {
            ObjectKey at = objectKey(key);
            if (at != null) {
                Version known = desired.get(at);
                // a key read again at the same mod revision is the same value: keep its parse
                fresh.put(at, known != null && known.revision() == kv.modRevision() && known.object() != null
                        ? known : read(at, kv.value(), kv.modRevision()));
            }
        });
        for (ObjectKey key : served.keySet()) {
            fresh.putIfAbsent(key, new Version(revision, null, List.of()));
        }
        desired.clear();
        desired.putAll(fresh);
        dirty.addAll(fresh.keySet());
    }

    /** A value and the mod revision it was written at. */
    record KeyVersion(String value, long modRevision) {
    }

    /**
     * Moves the served config towards the desired one (see the class comment).
     *
     * @param base the served config's validation state, to check a change of at most
     *             {@code maxIncremental} objects against it alone; null = validate candidates whole
     */
    Resolution resolve(ValidatedConfig base, int maxIncremental) {
        Map<ObjectKey, SourceStatus.Rejected> rejected = new TreeMap<>(ObjectKey.ORDER);
        List<Change> changes = new ArrayList<>();
        for (ObjectKey key : dirty) {
            Version version = desired.get(key);
            if (version == null) {
                continue; // a refused key that a fresh read no longer has
            }
            if (!version.errors().isEmpty()) {
                rejected.put(key, rejection(key, version.revision(),
                        version.errors().stream().map(ConfigError::toString).toList()));
            } else if (!Objects.equals(served.get(key), version.object())) {
                changes.add(new Change(key, version.revision(), version.object()));
            } else if (version.object() == null) {
                desired.remove(key); // deleted before it was ever served
            }
        }
        Attempt accepted = new Attempt(List.of(), null);
        if (!changes.isEmpty()) {
            changes.sort(Comparator.comparingLong(Change::revision).thenComparingInt(Change::applyRank)
                    .thenComparing(Change::key, ObjectKey.ORDER));
            this.base = changes.size() <= maxIncremental ? base : null;
            accepted = revertUntilValid(changes, rejected);
            if (accepted == null) {
                accepted = oneAtATime(changes, rejected);
            }
            this.base = null;
        }
        String summary = summary(accepted.changes());
        for (Change change : accepted.changes()) {
            if (change.object() == null) {
                served.remove(change.key());
                desired.remove(change.key());
            } else {
                served.put(change.key(), change.object());
            }
        }
        // what was refused stays wanted: the next resolve tries it again (a later change may fix it)
        dirty = new HashSet<>(rejected.keySet());
        return new Resolution(accepted.trial() == null ? null : accepted.trial().config(),
                accepted.trial() == null ? null : accepted.trial().checked(), List.copyOf(rejected.values()), summary);
    }

    /** Changes that validate together, and their trial (null when none). */
    private record Attempt(List<Change> changes, Trial trial) {
    }

    /**
     * One candidate validated: whole ({@code config}) or as a change to the base ({@code checked}).
     * Error paths such as {@code routes[3]} index the candidate's lists either way.
     */
    private record Trial(GatewayConfig config, ValidatedConfig.Checked checked, List<ConfigError> errors) {
        String idAt(Kind kind, int index) {
            return checked != null ? checked.idAt(kind, index) : EtcdConfigReader.idAt(config, kind, index);
        }
    }

    /** The served objects with {@code overlay} applied, validated against the base when there is one, else whole. */
    private Trial trial(Map<ObjectKey, Change> overlay) {
        if (base == null) {
            GatewayConfig candidate = config(overlay);
            return new Trial(candidate, null, validator.validate(candidate));
        }
        List<stargate.model.diff.Change> changes = new ArrayList<>(overlay.size());
        for (Change c : overlay.values()) {
            changes.add(modelChange(c));
        }
        ValidatedConfig.Checked checked = base.check(changes);
        return new Trial(null, checked, checked.errors());
    }

    /**
     * Steps 2 and 3: all changes at once, then reverting the changed objects the errors point at.
     *
     * @return the accepted changes and their config, or null when errors remain on unchanged objects
     *         ({@code changes} then holds the changes still to try)
     */
    private Attempt revertUntilValid(List<Change> changes, Map<ObjectKey, SourceStatus.Rejected> rejected) {
        Map<ObjectKey, Change> pending = new LinkedHashMap<>();
        changes.forEach(c -> pending.put(c.key(), c));
        while (!pending.isEmpty()) {
            Trial candidate = trial(pending);
            Map<ObjectKey, List<String>> errors = byObject(candidate);
            if (errors.isEmpty()) {
                return new Attempt(List.copyOf(pending.values()), candidate);
            }
            boolean reverted = false;
            for (Map.Entry<ObjectKey, List<String>> e : errors.entrySet()) {
                Change change = e.getKey() == null ? null : pending.remove(e.getKey());
                if (change != null) {
                    rejected.put(change.key(), rejection(change.key(), change.revision(), e.getValue()));
                    reverted = true;
                }
            }
            if (!reverted) {
                changes.removeIf(c -> !pending.containsKey(c.key()));
                return null;
            }
        }
        return new Attempt(List.of(), null);
    }

    /** Step 4: each remaining change alone on top of what was accepted so far. */
    private Attempt oneAtATime(List<Change> changes, Map<ObjectKey, SourceStatus.Rejected> rejected) {
        Map<ObjectKey, Change> accepted = new LinkedHashMap<>();
        Trial trial = null;
        for (Change change : changes) {
            Map<ObjectKey, Change> candidate = new LinkedHashMap<>(accepted);
            candidate.put(change.key(), change);
            Trial next = trial(candidate);
            Map<ObjectKey, List<String>> errors = byObject(next);
            if (errors.isEmpty()) {
                accepted = candidate;
                trial = next;
            } else {
                List<String> all = errors.values().stream().flatMap(List::stream).toList();
                rejected.put(change.key(), rejection(change.key(), change.revision(), all));
            }
        }
        return new Attempt(List.copyOf(accepted.values()), trial);
    }

    /** For the apply log line, e.g. {@code +1 route, ~1 upstream}: from the changes, without diffing whole configs. */
    private String summary(List<Change> accepted) {
        List<stargate.model.diff.Change> changes = new ArrayList<>(accepted.size());
        for (Change c : accepted) {
            changes.add(modelChange(c));
        }
        return ConfigDiff.summary(changes);
    }

    /** A change to the served config as the model states it. */
    private stargate.model.diff.Change modelChange(Change c) {
        Object before = served.get(c.key());
        stargate.model.diff.Change.Op op = before == null ? stargate.model.diff.Change.Op.ADDED
                : c.object() == null ? stargate.model.diff.Change.Op.REMOVED : stargate.model.diff.Change.Op.CHANGED;
        return new stargate.model.diff.Change(c.key().kind(), c.key().id(), op, before, c.object());
    }

    /**
     * A candidate's errors grouped by object, with paths made relative to the object
     * ({@code routes[3].upstream} becomes {@code upstream} of that route). Errors that point at no
     * object are grouped under a null key.
     */
    private static Map<ObjectKey, List<String>> byObject(Trial trial) {
        Map<ObjectKey, List<String>> byObject = new LinkedHashMap<>();
        for (ConfigError error : trial.errors()) {
            ObjectKey owner = null;
            String path = error.path();
            Matcher item = ITEM_PATH.matcher(path);
            if (item.matches()) {
                Kind kind = kindOf(item.group(1));
                String id = trial.idAt(kind, Integer.parseInt(item.group(2)));
                if (id != null) {
                    owner = new ObjectKey(kind, id);
                    path = item.group(3).startsWith(".") ? item.group(3).substring(1) : item.group(3);
                }
            } else if (path.equals(Kind.GLOBAL_PLUGINS.key()) || path.startsWith(Kind.GLOBAL_PLUGINS.key() + ".")) {
                owner = new ObjectKey(Kind.GLOBAL_PLUGINS, "");
            }
            byObject.computeIfAbsent(owner, k -> new ArrayList<>()).add(new ConfigError(path, error.message()).toString());
        }
        return byObject;
    }

    private static String idAt(GatewayConfig config, Kind kind, int index) {
        List<?> objects = switch (kind) {
            case ROUTE -> config.routes();
            case UPSTREAM -> config.upstreams();
            case CONSUMER -> config.consumers();
            case CERTIFICATE -> config.certificates();
            case GLOBAL_PLUGINS -> List.of();
        };
        if (index >= objects.size()) {
            return null;
        }
        return switch (objects.get(index)) {
            case Route r -> r.id();
            case Upstream u -> u.id();
            case Consumer c -> c.id();
            case Certificate c -> c.id();
            default -> null;
        };
    }

    private static SourceStatus.Rejected rejection(ObjectKey key, long revision, List<String> errors) {
        return new SourceStatus.Rejected(key.kind().key(), key.id(), revision, errors);
    }

    /** Reads one value: {@code {"meta": {...}, "spec": <object>}}; {@code meta} is the server's and ignored. */
    private static Version read(ObjectKey at, String value, long modRevision) {
        JsonNode spec;
        try {
            spec = JSON.readTree(value).get("spec");
        } catch (JsonProcessingException e) {
            return new Version(modRevision, null, List.of(new ConfigError("", "not JSON: " + e.getOriginalMessage())));
        }
        if (spec == null || !spec.isObject()) {
            return new Version(modRevision, null, List.of(new ConfigError("", "expected {\"meta\": {...}, \"spec\": {...}}")));
        }
        Validated<Object> object = ConfigCodec.readObject(at.kind(), spec.toString());
        if (!object.isValid()) {
            return new Version(modRevision, null, object.errors());
        }
        String id = idOf(object.value());
        if (id != null && !id.equals(at.id())) {
            return new Version(modRevision, null, List.of(new ConfigError("id",
                    "\"" + id + "\" does not match the key's id \"" + at.id() + "\"")));
        }
        Object served = object.value() instanceof Map<?, ?> plugins && plugins.isEmpty() ? null : object.value();
        return new Version(modRevision, served, List.of());
    }

    private static String idOf(Object object) {
        return switch (object) {
            case Route r -> r.id();
            case Upstream u -> u.id();
            case Consumer c -> c.id();
            case Certificate c -> c.id();
            default -> null;
        };
    }

    /**
     * {@code <prefix>/routes/<id>} and the like, or {@code <prefix>/global_plugins}; null for any
     * other key ({@code last_change}, {@code nodes/...}, {@code gitops/...}).
     */
    ObjectKey objectKey(String key) {
        if (!key.startsWith(keyPrefix)) {
            return null;
        }
        String rest = key.substring(keyPrefix.length());
        if (rest.equals(Kind.GLOBAL_PLUGINS.key())) {
            return new ObjectKey(Kind.GLOBAL_PLUGINS, "");
        }
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0 || slash == rest.length() - 1) {
            return null;
        }
        Kind kind = kindOf(rest.substring(0, slash));
        return kind == null || kind == Kind.GLOBAL_PLUGINS ? null : new ObjectKey(kind, rest.substring(slash + 1));
    }

    private static Kind kindOf(String folder) {
        for (Kind kind : Kind.values()) {
            if (kind.key().equals(folder)) {
                return kind;
            }
        }
        return null;
    }

    private static TreeMap<ObjectKey, Object> objects(GatewayConfig config) {
        TreeMap<ObjectKey, Object> out = new TreeMap<>(ObjectKey.ORDER);
        config.routes().forEach(r -> out.put(new ObjectKey(Kind.ROUTE, r.id()), r));
        config.upstreams().forEach(u -> out.put(new ObjectKey(Kind.UPSTREAM, u.id()), u));
        config.consumers().forEach(c -> out.put(new ObjectKey(Kind.CONSUMER, c.id()), c));
        config.certificates().forEach(c -> out.put(new ObjectKey(Kind.CERTIFICATE, c.id()), c));
        if (!config.globalPlugins().isEmpty()) {
            out.put(new ObjectKey(Kind.GLOBAL_PLUGINS, ""), config.globalPlugins());
        }
        return out;
    }

    /**
     * The served objects with {@code overlay} applied (null object = removed), without copying the
     * served map: O(n) list building. Served objects come in id order, added ones after them
     * (order never affects routing).
     */
    @SuppressWarnings("unchecked")
    private GatewayConfig config(Map<ObjectKey, Change> overlay) {
        List<Route> routes = new ArrayList<>();
        List<Upstream> upstreams = new ArrayList<>();
        List<Consumer> consumers = new ArrayList<>();
        List<Certificate> certificates = new ArrayList<>();
        List<Map<String, JsonNode>> globalPlugins = new ArrayList<>(1);
        java.util.function.Consumer<Object> add = object -> {
            switch (object) {
                case Route r -> routes.add(r);
                case Upstream u -> upstreams.add(u);
                case Consumer c -> consumers.add(c);
                case Certificate c -> certificates.add(c);
                default -> globalPlugins.add((Map<String, JsonNode>) object);
            }
        };
        for (Map.Entry<ObjectKey, Object> e : served.entrySet()) {
            Change change = overlay.isEmpty() ? null : overlay.get(e.getKey());
            Object object = change == null ? e.getValue() : change.object();
            if (object != null) {
                add.accept(object);
            }
        }
        for (Change change : overlay.values()) {
            if (change.object() != null && !served.containsKey(change.key())) {
                add.accept(change.object());
            }
        }
        return new GatewayConfig(routes, upstreams, consumers, certificates,
                globalPlugins.isEmpty() ? Map.of() : globalPlugins.getFirst());
    }
}
