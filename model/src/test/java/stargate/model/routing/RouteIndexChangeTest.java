package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.model.Route;

/**
 * {@link RouteIndex#withChanges} against a whole {@link RouteIndex#build} of the same routes: on random
 * change sequences (seeded), every request of a fixed set matches the same route, params and prefix.
 * Small pools of hosts, paths and methods make routes share leaves and compete on rank.
 */
class RouteIndexChangeTest {
    private static final String[] HOSTS = {"a.example.com", "b.example.com", "*.example.com", "*.x.example.com"};
    private static final String[] PATHS = {"/", "/users", "/users/{id}", "/users/{id}/items/{item}", "/users/me",
        "/users/*", "/*", "/static/*", "/static/app/*", "/{any}/items/{item}", "/api/v1/x"};
    private static final String[] REQUEST_PATHS = {"/", "/users", "/users/42", "/users/me", "/users/42/items/7",
        "/static/app/main.js", "/static/x", "/other", "/api/v1/x", "/api/v1/y", "/x/items/1", "/users/me/items/2"};
    private static final String[] REQUEST_HOSTS = {null, "a.example.com", "b.example.com:8080", "c.example.com",
        "d.x.example.com", "elsewhere.org"};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void matchesAsARebuiltIndexAfterEveryChange(long seed) {
        Random random = new Random(seed);
        Map<String, Route> routes = new LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            Route route = randomRoute(random, "r" + i);
            routes.put(route.id(), route);
        }
        RouteIndex<Route> index = RouteIndex.of(List.copyOf(routes.values()));
        for (int step = 0; step < 200; step++) {
            List<Route> removed = new ArrayList<>();
            List<Route> added = new ArrayList<>();
            int changes = 1 + random.nextInt(3);
            for (int c = 0; c < changes; c++) {
                int op = random.nextInt(3);
                List<String> ids = new ArrayList<>(routes.keySet());
                if (op == 0 || ids.isEmpty()) { // add
                    Route route = randomRoute(random, "n" + step + "-" + c);
                    routes.put(route.id(), route);
                    added.add(route);
                } else {
                    String id = ids.get(random.nextInt(ids.size()));
                    if (removed.stream().anyMatch(r -> r.id().equals(id)) || added.stream().anyMatch(r -> r.id().equals(id))) {
                        continue;
                    }
                    removed.add(routes.remove(id));
                    if (op == 2) { // change: same id, new matching rules
                        Route route = randomRoute(random, id);
                        routes.put(id, route);
                        added.add(route);
                    }
                }
            }
            index = index.withChanges(removed, added, Function.identity());
            RouteIndex<Route> rebuilt = RouteIndex.of(List.copyOf(routes.values()));
            assertEquals(rebuilt.size(), index.size());
            for (String host : REQUEST_HOSTS) {
                for (String path : REQUEST_PATHS) {
                    for (String method : new String[] {"GET", "POST"}) {
                        for (RequestHeaders headers : new RequestHeaders[] {RequestHeaders.NONE,
                                RequestHeaders.of(Map.of("x-canary", "true"))}) {
                            assertEquals(describe(rebuilt.match(method, host, path, headers)),
                                    describe(index.match(method, host, path, headers)),
                                    "seed " + seed + " step " + step + ": " + method + " " + host + " " + path);
                        }
                    }
                }
            }
        }
    }

    private static String describe(RouteMatch<Route> match) {
        return match == null ? "none" : match.route().id() + " " + match.params() + " " + match.matchedPrefix();
    }

    private static Route randomRoute(Random random, String id) {
        List<String> hosts = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            String host = HOSTS[random.nextInt(HOSTS.length)];
            if (!hosts.contains(host)) {
                hosts.add(host);
            }
        }
        List<String> paths = new ArrayList<>();
        for (int i = 1 + random.nextInt(2); i > 0; i--) {
            String path = PATHS[random.nextInt(PATHS.length)];
            if (!paths.contains(path)) {
                paths.add(path);
            }
        }
        List<String> methods = switch (random.nextInt(3)) {
            case 0 -> List.of("GET");
            case 1 -> List.of("GET", "POST");
            default -> List.of();
        };
        Map<String, String> headers = random.nextInt(4) == 0 ? Map.of("x-canary", "true") : Map.of();
        return new Route(id, hosts, paths, methods, headers, random.nextInt(3), "u", false, null, false, null, null,
                null, false);
    }
}
