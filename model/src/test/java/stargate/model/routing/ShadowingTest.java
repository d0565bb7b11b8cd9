package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static stargate.model.routing.TestRoutes.route;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.Route;
import stargate.model.validate.ConfigError;

class ShadowingTest {

    static Stream<Arguments> shadowed() {
        return Stream.of(
                Arguments.of("an exact duplicate loses on id",
                        List.of(route("b").paths("/x").build(), route("a").paths("/x").build()),
                        List.of(new ConfigError("routes[0]", "route \"b\" can never match: route \"a\" always wins first"
                                + " (same host and path, same or broader methods, same headers, same rank, id \"a\" sorts first)"))),
                Arguments.of("a lower-priority twin",
                        List.of(route("a").paths("/x/*").methods("GET").priority(5).build(),
                                route("b").paths("/x/*").methods("GET").build()),
                        List.of(new ConfigError("routes[1]", "route \"b\" can never match: route \"a\" always wins first"
                                + " (same host and path, same or broader methods, same headers, higher priority: 5 vs 0)"))),
                Arguments.of("a subset of methods behind a broader list",
                        List.of(route("broad").paths("/x").methods("GET", "POST").build(),
                                route("narrow").paths("/x").methods("POST").build()),
                        List.of(new ConfigError("routes[1]", "route \"narrow\" can never match: route \"broad\" always wins first"
                                + " (same host and path, same or broader methods, same headers, same rank, id \"broad\" sorts first)"))),
                Arguments.of("a template under other parameter names, same headers in another case",
                        List.of(route("a").paths("/u/{id}").header("X-T", "1").build(),
                                route("b").paths("/u/{name}").header("x-t", "1").build()),
                        List.of(new ConfigError("routes[1]", "route \"b\" can never match: route \"a\" always wins first"
                                + " (same host and path, same or broader methods, same headers, same rank, id \"a\" sorts first)"))),
                Arguments.of("every host and path covered, by two routes together",
                        List.of(route("get").hosts("A.example.com").paths("/x", "/y").methods("GET").priority(1).build(),
                                route("post").hosts("a.example.com").paths("/x", "/y").methods("POST").priority(1).build(),
                                route("both").hosts("a.example.com").paths("/x", "/y").methods("GET", "POST").build()),
                        List.of(new ConfigError("routes[2]", "route \"both\" can never match: routes \"get\", \"post\" always win"
                                + " first (same host and path, same headers, together the same or broader methods, each ranked first)"))),
                Arguments.of("each of its paths covered by a different route",
                        List.of(route("x").paths("/x").build(), route("y").paths("/y").build(),
                                route("z").paths("/x", "/y").build()),
                        List.of(new ConfigError("routes[2]", "route \"z\" can never match: routes \"x\", \"y\" always win"
                                + " first (same host and path, same headers, together the same or broader methods, each ranked first)"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void shadowed(String why, List<Route> routes, List<ConfigError> expected) {
        assertEquals(expected, Shadowing.find(routes), why);
        assertEquals(expected, wholeIndex(routes), why + " (whole validation's index)");
    }

    /** What whole validation reports: {@link ShadowIndex#findAll}, which ranks only the leaves holding two routes or more. */
    private static List<ConfigError> wholeIndex(List<Route> routes) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            positions.putIfAbsent(routes.get(i).id(), i);
        }
        return ShadowIndex.of(routes).findAll(positions::get);
    }

    static Stream<Arguments> notShadowed() {
        return Stream.of(
                Arguments.of("a method list ranks before a route without one", List.of(
                        route("any").paths("/x").priority(9).build(), route("get").paths("/x").methods("GET").build())),
                Arguments.of("disjoint methods on the same path", List.of(
                        route("get").paths("/x").methods("GET").build(), route("post").paths("/x").methods("POST").build())),
                Arguments.of("broader methods behind a narrower list", List.of(
                        route("get").paths("/x").methods("GET").priority(3).build(),
                        route("get-post").paths("/x").methods("GET", "POST").build())),
                Arguments.of("more headers rank first; fewer headers take the rest", List.of(
                        route("canary").paths("/x").header("x-canary", "true").build(), route("main").paths("/x").build())),
                Arguments.of("fewer headers never shadow more", List.of(
                        route("main").paths("/x").priority(100).build(),
                        route("canary").paths("/x").header("x-canary", "true").build())),
                Arguments.of("different header values", List.of(
                        route("a").paths("/x").header("x-v", "1").build(), route("b").paths("/x").header("x-v", "2").build())),
                Arguments.of("one of two paths still reachable", List.of(
                        route("a").paths("/x").build(), route("b").paths("/x", "/y").build())),
                Arguments.of("one of two hosts still reachable", List.of(
                        route("a").hosts("a.example.com").paths("/x").build(),
                        route("b").hosts("a.example.com", "b.example.com").paths("/x").build())),
                Arguments.of("exact path before prefix, prefix takes the rest", List.of(
                        route("exact").paths("/x").build(), route("prefix").paths("/x/*").build())),
                Arguments.of("a catch-all behind specific routes", List.of(
                        route("all").paths("/*").build(), route("users").paths("/users/*").priority(-5).build())),
                Arguments.of("a wildcard host behind an exact one", List.of(
                        route("exact").hosts("a.example.org").paths("/*").build(),
                        route("wild").hosts("*.example.org").paths("/*").build())),
                Arguments.of("an any-host route behind a host route", List.of(
                        route("host").hosts("a.example.org").paths("/x").priority(9).build(),
                        route("any").paths("/x").build())),
                Arguments.of("a template behind a more literal template", List.of(
                        route("me").paths("/u/me/{x}").build(), route("id").paths("/u/{id}/{x}").build())),
                Arguments.of("a template with a trailing slash is another shape", List.of(
                        route("a").paths("/u/{id}").build(), route("b").paths("/u/{id}/").build())),
                Arguments.of("a malformed route is left to validation", List.of(
                        route("a").paths("/x").build(), route("bad").paths("x").build(), route("bad").paths("x").build())),
                Arguments.of("no routes", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void notShadowed(String why, List<Route> routes) {
        assertEquals(List.of(), Shadowing.find(routes), why);
        if (routes.stream().map(Route::id).distinct().count() == routes.size()) { // the index holds valid configs: ids unique
            assertEquals(List.of(), wholeIndex(routes), why + " (whole validation's index)");
        }
    }
}
