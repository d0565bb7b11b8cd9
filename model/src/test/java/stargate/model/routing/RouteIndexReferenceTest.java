package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.model.Route;

/**
 * Checks the index against a deliberately naive matcher: every (route, host, path) pair tested
 * with a regex, the matching ones sorted by SPEC §4's precedence written out as one comparator.
 * Random configs from a small vocabulary, so that routes collide on hosts, paths and shapes. The
 * same runs check that no route {@link Shadowing} flags ever wins.
 */
class RouteIndexReferenceTest {
    private static final String[] ROUTE_HOSTS = {"a.example.com", "B.example.com", "*.example.com", "*.x.example.com"};
    private static final String[] SEGMENTS = {"u", "v", "me", "{p}", "{q}"};
    private static final List<List<String>> METHODS = List.of(List.of(), List.of("GET"), List.of("GET", "POST"), List.of("POST"));
    private static final List<Map<String, String>> HEADERS = List.of(
            Map.of(), Map.of("x-a", "1"), Map.of("X-B", "2"), Map.of("x-a", "1", "x-b", "2"));
    private static final String[] REQUEST_HOSTS = {null, "a.example.com", "A.EXAMPLE.COM:80", "b.example.com",
        "q.example.com", "q.x.example.com", "r.q.x.example.com", "example.com", "other.org"};
    private static final String[] REQUEST_SEGMENTS = {"u", "v", "me", "w", ""};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void agreesWithTheNaiveMatcherOnRandomConfigs(long seed) throws MalformedPathException {
        Random random = new Random(seed);
        List<Route> routes = randomRoutes(random, 5 + random.nextInt(60));
        RouteIndex<Route> index = RouteIndex.of(routes);
        // Shadowing must have no false positives: a route it flags never wins a request.
        Set<String> shadowed = Shadowing.find(routes).stream()
                .map(error -> routes.get(Integer.parseInt(error.path().replaceAll("\\D", ""))).id())
                .collect(Collectors.toSet());
        for (int i = 0; i < 400; i++) {
            String method = random.nextBoolean() ? "GET" : random.nextBoolean() ? "POST" : "PUT";
            String host = REQUEST_HOSTS[random.nextInt(REQUEST_HOSTS.length)];
            StringBuilder path = new StringBuilder();
            for (int s = random.nextInt(5); s >= 0; s--) {
                path.append('/').append(REQUEST_SEGMENTS[random.nextInt(REQUEST_SEGMENTS.length)]);
            }
            if (random.nextInt(4) == 0) {
                path.append("?u=/v");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            if (random.nextBoolean()) {
                headers.put("X-A", "1");
            }
            if (random.nextBoolean()) {
                headers.put("x-b", random.nextBoolean() ? "2" : "3");
            }
            RequestHeaders requestHeaders = RequestHeaders.of(headers);

            Naive expected = naiveMatch(routes, method, host, path.toString(), headers);
            RouteMatch<Route> actual = index.match(method, host, path.toString(), requestHeaders);
            String request = "seed " + seed + ": " + method + " " + host + " " + path + " " + headers;
            if (expected == null) {
                assertNull(actual, request + " matched " + (actual == null ? null : actual.route().id()));
            } else {
                assertNotNull(actual, request + " expected " + expected.route.id());
                assertEquals(expected.route.id(), actual.route().id(), request);
                assertFalse(shadowed.contains(expected.route.id()), request + " is served by a route flagged as shadowed");
                assertEquals(expected.params, actual.params(), request);
                assertEquals(expected.matchedPrefix, actual.matchedPrefix(), request);
            }
            // explain normalizes the path as the node does before it matches (and "//" is merged).
            RouteMatch<Route> normalized = index.match(method, host, PathNormalizer.normalize(path.toString()),
                    requestHeaders);
            assertEquals(normalized == null ? null : normalized.route().id(),
                    index.explain(method, host, path.toString(), requestHeaders).route(), request);
        }
    }

    @Test
    void hundredThousandRoutesBuildAndMatchCorrectly() {
        int count = 100_000;
        List<Route> routes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = String.format("r%06d", i);
            TestRoutes route = TestRoutes.route(id);
            switch (i % 4) {
                case 0 -> route.paths("/s" + i + "/items");
                case 1 -> route.paths("/s" + i + "/items/{id}").methods("GET");
                case 2 -> route.hosts("h" + i + ".example.com").paths("/s" + i + "/*");
                default -> route.hosts("*.w" + i + ".example.org").paths("/s" + i).header("x-tenant", "t" + i);
            }
            routes.add(route.build());
        }
        RouteIndex<Route> index = RouteIndex.of(routes);
        assertEquals(count, index.size());

        for (int i = 0; i < count; i += 97) {
            String id = String.format("r%06d", i);
            RouteMatch<Route> match = switch (i % 4) {
                case 0 -> index.match("GET", "any.host", "/s" + i + "/items", RequestHeaders.NONE);
                case 1 -> index.match("GET", null, "/s" + i + "/items/42", RequestHeaders.NONE);
                case 2 -> index.match("PUT", "H" + i + ".example.com:8080", "/s" + i + "/deep/er", RequestHeaders.NONE);
                default -> index.match("GET", "a.w" + i + ".example.org", "/s" + i, TestRoutes.headers("X-Tenant", "t" + i));
            };
            assertNotNull(match, id);
            assertEquals(id, match.route().id());
            // Near misses of the same routes: wrong method, wrong host, wrong header, wrong segment count.
            RouteMatch<Route> miss = switch (i % 4) {
                case 0 -> index.match("GET", null, "/s" + i + "/items/x", RequestHeaders.NONE);
                case 1 -> index.match("POST", null, "/s" + i + "/items/42", RequestHeaders.NONE);
                case 2 -> index.match("GET", "h" + (i + 1) + ".example.com", "/s" + i + "/x", RequestHeaders.NONE);
                default -> index.match("GET", "a.w" + i + ".example.org", "/s" + i, TestRoutes.headers("x-tenant", "t0"));
            };
            assertNull(miss, id + " near miss");
        }
    }

    private static List<Route> randomRoutes(Random random, int count) {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> hosts = new ArrayList<>();
            if (random.nextInt(3) == 0) {
                hosts.add(ROUTE_HOSTS[random.nextInt(ROUTE_HOSTS.length)]);
                if (random.nextBoolean()) {
                    hosts.add(ROUTE_HOSTS[random.nextInt(ROUTE_HOSTS.length)]);
                }
            }
            List<String> paths = new ArrayList<>();
            for (int p = random.nextInt(2); p >= 0; p--) {
                paths.add(randomPath(random));
            }
            Map<String, String> headers = HEADERS.get(random.nextInt(HEADERS.size()));
            // Ids are shuffled against input order so the id tiebreak is really exercised.
            String id = "r" + random.nextInt(1000) + "-" + i;
            routes.add(new Route(id, hosts, paths, METHODS.get(random.nextInt(METHODS.size())), headers,
                    random.nextInt(3), "svc", false, null, false, null, null, null, false));
        }
        return routes;
    }

    private static String randomPath(Random random) {
        int kind = random.nextInt(3);
        StringBuilder path = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int s = random.nextInt(kind == 2 ? 3 : 4); s >= 0; s--) {
            String segment = SEGMENTS[random.nextInt(SEGMENTS.length)];
            if (segment.startsWith("{")) {
                if (kind != 1 || names.contains(segment)) {
                    segment = "u";
                } else {
                    names.add(segment);
                }
            }
            path.append('/').append(segment);
        }
        return switch (kind) {
            case 2 -> random.nextInt(4) == 0 ? "/*" : path + "/*";
            default -> path.toString();
        };
    }

    private record Naive(Route route, int routeIndex, int pathIndex, String host, String path,
                         Map<String, String> params, String matchedPrefix) {
    }

    private static Naive naiveMatch(List<Route> routes, String method, String host, String rawPath,
                                    Map<String, String> requestHeaders) {
        String path = rawPath.contains("?") ? rawPath.substring(0, rawPath.indexOf('?')) : rawPath;
        String hostName = host == null ? null : host.toLowerCase(Locale.ROOT).replaceAll(":.*", "");
        Map<String, String> headers = new LinkedHashMap<>();
        requestHeaders.forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        List<Naive> candidates = new ArrayList<>();
        for (int r = 0; r < routes.size(); r++) {
            Route route = routes.get(r);
            boolean methodOk = route.methods().isEmpty() || route.methods().contains(method);
            boolean headersOk = route.headers().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(headers.get(e.getKey().toLowerCase(Locale.ROOT))));
            if (!methodOk || !headersOk) {
                continue;
            }
            List<String> hosts = route.hosts().isEmpty() ? List.of("") : route.hosts();
            for (String routeHost : hosts) {
                String h = routeHost.toLowerCase(Locale.ROOT);
                boolean hostOk = h.isEmpty() || (hostName != null && (h.startsWith("*.")
                        ? hostName.endsWith(h.substring(1)) && hostName.length() > h.length() - 1
                        : hostName.equals(h)));
                if (!hostOk) {
                    continue;
                }
                for (int p = 0; p < route.paths().size(); p++) {
                    String pattern = route.paths().get(p);
                    Matcher matcher = regex(pattern).matcher(path);
                    if (matcher.matches()) {
                        Map<String, String> params = new LinkedHashMap<>();
                        Matcher names = Pattern.compile("\\{(\\w+)}").matcher(pattern);
                        for (int g = 1; names.find(); g++) {
                            params.put(names.group(1), matcher.group(g));
                        }
                        String prefix = pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 2) : null;
                        candidates.add(new Naive(route, r, p, h, pattern, params, prefix));
                    }
                }
            }
        }
        return candidates.stream().min(PRECEDENCE).orElse(null);
    }

    private static Pattern regex(String pattern) {
        if (pattern.endsWith("/*")) {
            return Pattern.compile(Pattern.quote(pattern.substring(0, pattern.length() - 2)) + "(?:/.*)?");
        }
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("(?=\\{)|(?<=})")) {
            regex.append(part.startsWith("{") ? "([^/]+)" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    private static int hostRank(Naive n) {
        return n.host.isEmpty() ? 2 : n.host.startsWith("*.") ? 1 : 0;
    }

    private static int pathRank(Naive n) {
        return n.path.endsWith("/*") ? 2 : n.path.contains("{") ? 1 : 0;
    }

    /** Among templates that match the same path: at the first segment where they differ, a literal wins. */
    private static int templateOrder(Naive a, Naive b) {
        String[] x = a.path.split("/");
        String[] y = b.path.split("/");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean xParam = x[i].startsWith("{");
            boolean yParam = y[i].startsWith("{");
            if (xParam != yParam) {
                return xParam ? 1 : -1;
            }
        }
        return 0;
    }

    private static final Comparator<Naive> PRECEDENCE = Comparator
            .comparingInt(RouteIndexReferenceTest::hostRank)
            .thenComparing(n -> -n.host.length())
            .thenComparingInt(RouteIndexReferenceTest::pathRank)
            .thenComparing((a, b) -> pathRank(a) == 1 ? templateOrder(a, b) : 0)
            .thenComparing(n -> n.matchedPrefix == null ? 0 : -n.matchedPrefix.length())
            .thenComparing(n -> n.route.methods().isEmpty())
            .thenComparing(n -> -n.route.headers().size())
            .thenComparing(n -> -n.route.priority())
            .thenComparing(n -> n.route.id())
            .thenComparingInt(Naive::routeIndex)
            .thenComparingInt(Naive::pathIndex);
}
