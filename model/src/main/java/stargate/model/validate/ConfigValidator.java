package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec;
import stargate.model.codec.StreamedConfig;
import stargate.model.routing.ShadowIndex;

/**
 * Checks what the codec cannot: ids, references, syntax of hosts, paths, methods and URLs,
 * ranges, combinations that make no sense, plugin configs (through {@link PluginSchema}s), and
 * routes that can never match (shadowed). Reports every error at once, in document order
 * (routes, upstreams, consumers, certificates, global plugins; shadowing last).
 *
 * <p>Decisions worth knowing: {@code strip_prefix} requires every path of the route to be a
 * prefix path and excludes {@code rewrite}; target URLs need an explicit port and no path; hosts
 * and SNI names are written lower-case; certificate files are not opened (validation is offline
 * and the files live on the nodes). Shadowing is only looked for when every route is valid on its
 * own, so the route index never sees a broken route. Thread-safe.
 */
public final class ConfigValidator {
    private final PluginCatalog plugins;

    private ConfigValidator(PluginCatalog plugins) {
        this.plugins = plugins;
    }

    public static ConfigValidator create(PluginCatalog plugins) {
        return new ConfigValidator(plugins);
    }

    /** With the plugin schemas on the class path. */
    public static ConfigValidator create() {
        return create(PluginCatalog.load());
    }

    /** @return every error, in document order; empty when the config is valid */
    public List<ConfigError> validate(GatewayConfig config) {
        return validate(PartialConfig.whole(config)).errors();
    }

    /**
     * Validates a whole config and, when it is valid, keeps what lets later changes to it be validated
     * one by one ({@link ValidatedConfig#check}): the start of incremental validation (a node's
     * applier, the controller's writes).
     */
    public Validated<ValidatedConfig> validated(GatewayConfig config) {
        Outcome outcome = validate(PartialConfig.whole(config));
        return outcome.errors().isEmpty() ? Validated.valid(new ValidatedConfig(config, plugins, outcome.shadows()))
                : Validated.invalid(outcome.errors());
    }

    /**
     * {@link #check(StreamedConfig)} that keeps, when the read is valid, what lets later changes be
     * validated one by one: a standalone file's first load or whole reload on a node.
     */
    public Validated<ValidatedConfig> validated(StreamedConfig read) {
        if (read.malformed()) {
            return Validated.invalid(read.errors());
        }
        Outcome outcome = validate(PartialConfig.of(read));
        if (!read.errors().isEmpty() || !outcome.errors().isEmpty()) {
            List<ConfigError> errors = new ArrayList<>(read.errors());
            errors.addAll(outcome.errors());
            return Validated.invalid(errors);
        }
        return Validated.valid(new ValidatedConfig(read.readable(), plugins, outcome.shadows()));
    }

    /** A config known to be valid (checked by this validator before, e.g. the cached last good one), without checking it again. */
    public ValidatedConfig trusted(GatewayConfig valid) {
        return new ValidatedConfig(valid, plugins);
    }

    /**
     * What a whole validation found, and the routes grouped by leaf it used for shadowing (null when the
     * routes were not all valid, so shadowing was not looked for): a {@link ValidatedConfig} keeps it.
     */
    private record Outcome(List<ConfigError> errors, ShadowIndex shadows) {
    }

    /** The checks of meaning, on the objects that read; error paths are their places in the text. */
    private Outcome validate(PartialConfig parts) {
        GatewayConfig config = parts.readable();
        Findings f = new Findings();
        Set<String> upstreamIds = config.upstreams().stream().map(Upstream::id).collect(Collectors.toSet());
        Predicate<String> upstreamDeclared = id -> parts.declares(Kind.UPSTREAM, upstreamIds, id);
        RouteChecks routes = new RouteChecks(f, upstreamDeclared, plugins);
        Map<String, Integer> routePositions = section(f, Kind.ROUTE, config.routes(), parts, Route::id, routes::check);
        boolean routesValid = f.count() == 0 && parts.complete(Kind.ROUTE);
        UpstreamChecks upstreams = new UpstreamChecks(f);
        section(f, Kind.UPSTREAM, config.upstreams(), parts, Upstream::id, upstreams::check);
        CredentialChecks credentials = new CredentialChecks(f, upstreamDeclared, plugins);
        section(f, Kind.CONSUMER, config.consumers(), parts, Consumer::id, credentials::consumer);
        section(f, Kind.CERTIFICATE, config.certificates(), parts, Certificate::id, credentials::certificate);
        plugins.validate(config.globalPlugins(), Kind.GLOBAL_PLUGINS.key(), f.errors());
        upstreamReferences(config.globalPlugins(), Kind.GLOBAL_PLUGINS.key(), upstreamDeclared, f);
        ShadowIndex shadows = null;
        if (routesValid) {
            shadows = ShadowIndex.of(config.routes());
            f.errors().addAll(shadows.findAll(routePositions::get));
        }
        return new Outcome(List.copyOf(f.errors()), shadows);
    }

    /**
     * Parses and validates config text: the whole of {@code stargate validate}. One pass reports
     * every error: reading errors (unknown keys, wrong types) first, then the checks of meaning on
     * the objects that read (see {@link PartialConfig}). An object that does not read is left out
     * of those checks, so a type error never hides behind a cascade of follow-ups. Malformed text
     * is its one error.
     */
    public Validated<GatewayConfig> check(String text, ConfigCodec.Format format) {
        return check(text, format, UnaryOperator.identity());
    }

    /**
     * {@link #check(String, ConfigCodec.Format)}, with {@code resolve} applied to what read before
     * the checks of meaning (the admin API puts stored secrets in place of masks there).
     *
     * @param resolve keeps the number and order of the objects of each kind
     */
    public Validated<GatewayConfig> check(String text, ConfigCodec.Format format, UnaryOperator<GatewayConfig> resolve) {
        Validated<JsonNode> tree = ConfigCodec.readTree(text, format);
        if (!tree.isValid()) {
            return Validated.invalid(tree.errors());
        }
        Validated<GatewayConfig> read = ConfigCodec.readConfig(tree.value());
        PartialConfig parts = read.isValid() ? PartialConfig.whole(read.value()) : PartialConfig.of(tree.value());
        List<ConfigError> errors = new ArrayList<>(read.errors());
        errors.addAll(validate(parts.map(resolve)).errors());
        return errors.isEmpty() ? read : Validated.invalid(errors);
    }

    /**
     * {@link #check(String, ConfigCodec.Format)} on a stream: a standalone file of any size (SPEC §21)
     * is read object by object ({@link ConfigCodec#stream}); the errors of an object in a list also
     * name the line it starts on.
     *
     * @param in closed when done
     */
    public Validated<GatewayConfig> check(java.io.Reader in, ConfigCodec.Format format) {
        return check(ConfigCodec.stream(in, format));
    }

    /**
     * The checks of meaning on a streamed read ({@link ConfigCodec#stream}), its reading errors first:
     * what {@link #check(java.io.Reader, ConfigCodec.Format)} reports, for a caller that looked at the
     * read before (a node diffing it against the config it serves).
     */
    public Validated<GatewayConfig> check(StreamedConfig read) {
        if (read.malformed()) {
            return Validated.invalid(read.errors());
        }
        List<ConfigError> errors = new ArrayList<>(read.errors());
        errors.addAll(validate(PartialConfig.of(read)).errors());
        return errors.isEmpty() ? Validated.valid(read.readable()) : Validated.invalid(errors);
    }

    /**
     * A plugin schema sees only its own config; the one built-in plugin config that names another
     * object is {@code traffic-split}'s {@code upstream}, checked here against the config's upstreams.
     *
     * @param path where the plugin map sits, e.g. {@code routes[0].plugins}
     */
    static void upstreamReferences(Map<String, JsonNode> plugins, String path, Predicate<String> upstreamDeclared,
                                   Findings f) {
        JsonNode split = plugins.get("traffic-split");
        JsonNode upstream = split == null ? null : split.get("upstream");
        if (upstream != null && upstream.isValueNode() && !upstream.isNull() && !upstream.asText().isBlank()
                && !upstreamDeclared.test(upstream.asText())) {
            f.add(path + ".traffic-split.upstream", "unknown upstream \"" + upstream.asText() + "\"");
        }
    }

    /**
     * Checks each object of one kind: its id (present, well-formed, unique in the kind), then the rest.
     * Paths name each object's place in the text ({@code parts}), which skips the objects that did not read.
     *
     * @return each well-formed id's place in the text (its first, when repeated)
     */
    static <T> Map<String, Integer> section(Findings f, Kind kind, List<T> objects, PartialConfig parts, Function<T, String> id,
                                    BiConsumer<T, String> check) {
        Map<String, Integer> first = HashMap.newHashMap(objects.size());
        for (int i = 0; i < objects.size(); i++) {
            String at = item(kind, parts.position(kind, i));
            String value = id.apply(objects.get(i));
            if (f.required(at, "id", value)) {
                if (!Syntax.isId(value)) {
                    f.add(at + ".id", "invalid id \"" + value + "\": expected [a-z0-9][a-z0-9._-]{0,63}");
                }
                Integer earlier = first.putIfAbsent(value, parts.position(kind, i));
                if (earlier != null) {
                    f.add(at + ".id", "duplicate id \"" + value + "\" (also " + item(kind, earlier) + ")");
                }
            }
            check.accept(objects.get(i), at);
        }
        return first;
    }

    private static String item(Kind kind, int index) {
        return kind.key() + "[" + index + "]";
    }
}
