package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.diff.Change;

/**
 * {@link ValidatedConfig#check} against {@link ConfigValidator#validate} of the same changed config,
 * on seeded random change sequences: the same errors, in the same order. Small pools of hosts,
 * paths, methods, upstreams and keys make changes shadow routes, dangle references and clash on
 * credentials; valid changes are committed and the sequence goes on from there.
 */
class IncrementalValidationTest {
    private static final String[] HOSTS = {"a.example.com", "*.example.com"};
    private static final String[] PATHS = {"/", "/users", "/users/{id}", "/users/*", "/*", "/static/*", "bad-path"};
    private static final String[] UPSTREAMS = {"u0", "u1", "u2", "u3", "missing"};
    private final ConfigValidator validator = ConfigValidator.create();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void reportsWhatAWholeValidationReports(long seed) {
        Random random = new Random(seed);
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            routes.add(new Route("r" + i, List.of(), List.of("/base/" + i), List.of(), Map.of(), 0, "u" + (i % 4),
                    false, null, false, null, null, null, false));
        }
        List<Upstream> upstreams = new ArrayList<>();
        for (int u = 0; u < 4; u++) {
            upstreams.add(upstream("u" + u));
        }
        GatewayConfig start = new GatewayConfig(routes, upstreams, List.of(consumer("c0", "key-0000"), consumer("c1", "key-1111")),
                null, Map.of());
        ValidatedConfig state = validator.validated(start).orElseThrow();
        int valid = 0;
        int invalid = 0;
        for (int step = 0; step < 300; step++) {
            List<Change> changes = new ArrayList<>();
            for (int c = 1 + random.nextInt(2); c > 0; c--) {
                changes.add(randomChange(random, state.config(), step + "-" + c));
            }
            ValidatedConfig.Checked checked = state.check(changes);
            GatewayConfig changed = checked.config();
            assertEquals(validator.validate(changed), checked.errors(), "seed " + seed + " step " + step + " " + changes);
            if (checked.isValid()) {
                assertEquals(changed, state.commit(checked));
                valid++;
            } else {
                invalid++;
            }
        }
        assertTrue(valid > 30 && invalid > 30, "both kinds of change are exercised: " + valid + " valid, " + invalid + " invalid");
    }

    private static Change randomChange(Random random, GatewayConfig config, String suffix) {
        int op = random.nextInt(10);
        if (op < 4) { // add or change a route
            String id = random.nextBoolean() || config.routes().isEmpty() ? "n" + suffix
                    : config.routes().get(random.nextInt(config.routes().size())).id();
            return new Change(Kind.ROUTE, id, Change.Op.CHANGED, null, randomRoute(random, id));
        }
        if (op < 6 && !config.routes().isEmpty()) {
            String id = config.routes().get(random.nextInt(config.routes().size())).id();
            return new Change(Kind.ROUTE, id, Change.Op.REMOVED, null, null);
        }
        if (op < 7) {
            String id = "u" + random.nextInt(4);
            return random.nextBoolean() ? new Change(Kind.UPSTREAM, id, Change.Op.REMOVED, null, null)
                    : new Change(Kind.UPSTREAM, id, Change.Op.ADDED, null, upstream(id));
        }
        if (op < 8) {
            String id = "u" + random.nextInt(4);
            Upstream broken = new Upstream(id, null, null, List.of(), null, null, null, null);
            return new Change(Kind.UPSTREAM, id, Change.Op.CHANGED, null, random.nextBoolean() ? broken : upstream(id));
        }
        if (op < 9) {
            String id = "c" + random.nextInt(3);
            return random.nextInt(3) == 0 ? new Change(Kind.CONSUMER, id, Change.Op.REMOVED, null, null)
                    : new Change(Kind.CONSUMER, id, Change.Op.CHANGED, null, consumer(id, "key-" + random.nextInt(3) + "abcdef"));
        }
        Map<String, JsonNode> global = random.nextBoolean() ? Map.of()
                : Map.of("traffic-split", JsonNodeFactory.instance.objectNode().put("upstream", UPSTREAMS[random.nextInt(5)])
                        .put("weight", 10));
        return new Change(Kind.GLOBAL_PLUGINS, "", Change.Op.CHANGED, null, global);
    }

    private static Route randomRoute(Random random, String id) {
        List<String> hosts = random.nextInt(3) == 0 ? List.of(HOSTS[random.nextInt(HOSTS.length)]) : List.of();
        List<String> paths = List.of(PATHS[random.nextInt(PATHS.length)]);
        List<String> methods = switch (random.nextInt(3)) {
            case 0 -> List.of("GET");
            case 1 -> List.of("GET", "POST");
            default -> List.of();
        };
        Map<String, JsonNode> plugins = random.nextInt(6) == 0
                ? Map.of("traffic-split", JsonNodeFactory.instance.objectNode().put("upstream", UPSTREAMS[random.nextInt(5)])
                        .put("weight", 10))
                : Map.of();
        return new Route(id, hosts, paths, methods, Map.of(), random.nextInt(2), UPSTREAMS[random.nextInt(UPSTREAMS.length)],
                false, null, false, null, null, plugins, false);
    }

    private static Upstream upstream(String id) {
        return new Upstream(id, null, null, List.of(new Upstream.Target("http://127.0.0.1:9001", null)), null, null, null,
                null);
    }

    private static Consumer consumer(String id, String key) {
        return new Consumer(id, new Consumer.KeyAuth(key), null, null, null);
    }
}
