package stargate.model.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;

/** Property-style: random config pairs from a fixed seed, checked against the diff's laws. */
class ConfigDiffTest {
    private static final int PAIRS = 100;

    /** Seeds for {@link #PAIRS} pairs; each pair is two configs drawn from the same small id pool so they overlap. */
    static Stream<Long> seeds() {
        return new Random(20_240_601L).longs(PAIRS).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aConfigHasNoDiffWithItself(long seed) {
        GatewayConfig a = randomConfig(new Random(seed));
        assertEquals(List.of(), ConfigDiff.diff(a, a));
        assertEquals("no changes", ConfigDiff.summary(ConfigDiff.diff(a, a)));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void applyingTheDiffOfATurnsItIntoB(long seed) {
        Random random = new Random(seed);
        GatewayConfig a = randomConfig(random);
        GatewayConfig b = randomConfig(random);
        GatewayConfig applied = ConfigDiff.apply(a, ConfigDiff.diff(a, b));
        assertEquals(sorted(b), sorted(applied));
        assertEquals(List.of(), ConfigDiff.diff(applied, b));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theDiffBackwardsMirrorsTheDiffForwards(long seed) {
        Random random = new Random(seed);
        GatewayConfig a = randomConfig(random);
        GatewayConfig b = randomConfig(random);
        List<Change> mirrored = ConfigDiff.diff(a, b).stream().map(c -> new Change(c.kind(), c.id(), switch (c.op()) {
            case ADDED -> Change.Op.REMOVED;
            case REMOVED -> Change.Op.ADDED;
            case CHANGED -> Change.Op.CHANGED;
        }, c.after(), c.before())).toList();
        assertEquals(mirrored, ConfigDiff.diff(b, a));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void changesAreOrderedByKindThenId(long seed) {
        Random random = new Random(seed);
        List<Change> changes = ConfigDiff.diff(randomConfig(random), randomConfig(random));
        List<Change> ordered = changes.stream()
                .sorted(Comparator.comparing(Change::kind).thenComparing(Change::id)).toList();
        assertEquals(ordered, changes);
    }

    @Test
    void summarisesCountsPerKindAndOperation() {
        GatewayConfig before = new GatewayConfig(
                List.of(Route.of("a", List.of("/a"), "u")), List.of(Upstream.of("u", "http://127.0.0.1:1"),
                Upstream.of("v", "http://127.0.0.1:2")), List.of(new Consumer("c", null, null, null, null)), null, null);
        GatewayConfig after = new GatewayConfig(
                List.of(Route.of("a", List.of("/a"), "u"), Route.of("b", List.of("/b"), "u"), Route.of("c", List.of("/c"), "u")),
                List.of(Upstream.of("u", "http://127.0.0.1:9")), null, null,
                Map.of("request-id", JsonNodeFactory.instance.objectNode()));
        List<Change> changes = ConfigDiff.diff(before, after);
        assertEquals("[+routes/b, +routes/c, ~upstreams/u, -upstreams/v, -consumers/c, +global_plugins]", changes.toString());
        assertEquals("+2 routes, ~1 upstream, -1 upstream, -1 consumer, +global plugins", ConfigDiff.summary(changes));
    }

    @Test
    void aNewConfigIsSummarisedAsItsDiffFromNothingIs() {
        GatewayConfig config = new GatewayConfig(
                List.of(Route.of("a", List.of("/a"), "u"), Route.of("b", List.of("/b"), "u")),
                List.of(Upstream.of("u", "http://127.0.0.1:9")), List.of(new Consumer("c", null, null, null, null)), null,
                Map.of("request-id", JsonNodeFactory.instance.objectNode()));
        assertEquals("+2 routes, +1 upstream, +1 consumer, +global plugins", ConfigDiff.summaryOfNew(config));
        assertEquals(ConfigDiff.summary(ConfigDiff.diff(GatewayConfig.EMPTY, config)), ConfigDiff.summaryOfNew(config));
        assertEquals("no changes", ConfigDiff.summaryOfNew(GatewayConfig.EMPTY));
    }

    @Test
    void refusesChangesThatDoNotFitTheBase() {
        GatewayConfig base = new GatewayConfig(List.of(Route.of("a", List.of("/a"), "u")), null, null, null, null);
        Route route = Route.of("a", List.of("/b"), "u");
        assertThrows(IllegalArgumentException.class, () ->
                ConfigDiff.apply(base, List.of(new Change(Kind.ROUTE, "a", Change.Op.ADDED, null, route))));
        assertThrows(IllegalArgumentException.class, () ->
                ConfigDiff.apply(base, List.of(new Change(Kind.ROUTE, "z", Change.Op.REMOVED, route, null))));
    }

    @Test
    void keepsTheOrderOfObjectsThatStay() {
        GatewayConfig a = new GatewayConfig(Stream.of("c", "a", "b").map(id -> Route.of(id, List.of("/" + id), "u")).toList(),
                null, null, null, null);
        GatewayConfig b = new GatewayConfig(Stream.of("c", "b", "d").map(id -> Route.of(id, List.of("/x" + id), "u")).toList(),
                null, null, null, null);
        assertEquals(List.of("c", "b", "d"), ConfigDiff.apply(a, ConfigDiff.diff(a, b)).routes().stream().map(Route::id).toList());
    }

    /** A config with a random subset of ids r0..r7, u0..u3, c0..c3, t0..t2, and small random variations of each object. */
    static GatewayConfig randomConfig(Random random) {
        List<Route> routes = subset(random, "r", 8, id -> new Route(id, null, List.of("/" + id + random.nextInt(2)),
                random.nextBoolean() ? List.of("GET") : null, null, random.nextInt(3), "u" + random.nextInt(4),
                false, null, false, new Route.Timeouts(Duration.ofSeconds(1 + random.nextInt(2)), null, null, null), null,
                random.nextBoolean() ? plugins(random) : null, random.nextBoolean()));
        List<Upstream> upstreams = subset(random, "u", 4, id -> new Upstream(id, null, null,
                List.of(new Upstream.Target("http://127.0.0.1:" + (9000 + random.nextInt(3)), 1 + random.nextInt(2))),
                null, random.nextBoolean() ? new Upstream.CircuitBreaker(null, 10 + random.nextInt(2), null, null) : null, null, null));
        List<Consumer> consumers = subset(random, "c", 4, id -> new Consumer(id,
                new Consumer.KeyAuth("key-" + id + random.nextInt(2)), null, null, null));
        List<Certificate> certificates = subset(random, "t", 3, id -> new Certificate(id,
                List.of(id + random.nextInt(2) + ".example.com"), null, "/etc/" + id + ".pem", null, "/etc/" + id + ".key", null, null, null, null,
                random.nextBoolean()));
        return new GatewayConfig(routes, upstreams, consumers, certificates, random.nextBoolean() ? plugins(random) : null);
    }

    private static <T> List<T> subset(Random random, String prefix, int pool, Function<String, T> make) {
        List<T> out = new ArrayList<>();
        IntStream.range(0, pool).filter(i -> random.nextInt(3) > 0).forEach(i -> out.add(make.apply(prefix + i)));
        java.util.Collections.shuffle(out, random);
        return out;
    }

    private static Map<String, JsonNode> plugins(Random random) {
        Map<String, JsonNode> plugins = new LinkedHashMap<>();
        plugins.put("rate-limit", JsonNodeFactory.instance.objectNode().put("rate", 1 + random.nextInt(2)));
        return plugins;
    }

    /** Object order is not part of a config's meaning; sort by id to compare. */
    private static GatewayConfig sorted(GatewayConfig c) {
        return new GatewayConfig(sort(c.routes(), Route::id), sort(c.upstreams(), Upstream::id),
                sort(c.consumers(), Consumer::id), sort(c.certificates(), Certificate::id), c.globalPlugins());
    }

    private static <T> List<T> sort(List<T> objects, Function<T, String> id) {
        return objects.stream().sorted(Comparator.comparing(id)).toList();
    }

    @Test
    void randomConfigsDifferEnoughToExerciseEveryOperation() {
        Random random = new Random(1);
        Map<Change.Op, Integer> seen = new java.util.EnumMap<>(Change.Op.class);
        for (int i = 0; i < 20; i++) {
            ConfigDiff.diff(randomConfig(random), randomConfig(random)).forEach(c -> seen.merge(c.op(), 1, Integer::sum));
        }
        assertTrue(seen.keySet().containsAll(List.of(Change.Op.values())), seen::toString);
    }
}
