package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.model.routing.TestRoutes.route;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import stargate.model.Route;

class RouteIndexMatchTest {

    /** One fixed config; each row of the table below exercises one precedence rule against it. */
    private static final List<Route> ROUTES = List.of(
            route("root").paths("/").build(),
            route("catch-all").paths("/*").methods("GET", "HEAD").build(),
            route("users-exact").paths("/users").methods("GET").build(),
            route("users-prefix").paths("/users/*").build(),
            route("users-by-id").paths("/users/{id}").build(),
            route("users-me").paths("/users/me").build(),
            route("users-me-section").paths("/users/me/{section}").build(),
            route("users-id-orders").paths("/users/{id}/orders").build(),
            route("users-id-section").paths("/users/{id}/{section}").build(),
            route("users-admin").paths("/users/admin/*").build(),
            route("api").paths("/api/*").build(),
            route("api-v1").paths("/api/v1/*").build(),
            route("orders-get").paths("/orders").methods("GET").build(),
            route("orders-prefix").paths("/orders/*").build(),
            route("items-any").paths("/items").build(),
            route("items-post").paths("/items").methods("POST").build(),
            route("items-canary").paths("/items").header("X-Canary", "true").build(),
            route("items-canary-beta").paths("/items").header("x-canary", "true").header("x-beta", "1").build(),
            route("report-low").paths("/report").build(),
            route("report-high").paths("/report").priority(5).build(),
            route("tie-b").paths("/tie").build(),
            route("tie-a").paths("/tie").build(),
            route("api-host").hosts("api.example.com").paths("/*").build(),
            route("api2-post").hosts("api2.example.com").paths("/*").methods("POST").build(),
            route("org-wild").hosts("*.example.org").paths("/*").build(),
            route("org-eu-wild").hosts("*.eu.example.org").paths("/*").build(),
            route("org-eu-users").hosts("*.eu.example.org").paths("/users").methods("DELETE").build());

    private static final RouteIndex<Route> INDEX = RouteIndex.of(ROUTES);

    @ParameterizedTest(name = "{5}: {1} {2} {3} [{4}] -> {0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            root              | GET    | -                    | /                      | -                    | root path is an exact path
            root              | GET    | -                    | ''                     | -                    | empty path is /
            root              | GET    | -                    | ?page=2                | -                    | query alone is /
            users-exact       | GET    | -                    | /users                 | -                    | exact beats template and prefix
            users-exact       | GET    | -                    | /users?id=3            | -                    | query is ignored
            users-prefix      | POST   | -                    | /users                 | -                    | exact for GET only falls through to the prefix
            users-prefix      | GET    | -                    | /users/                | -                    | a template segment is never empty, so the prefix takes the trailing slash
            users-by-id       | GET    | -                    | /users/42              | -                    | template beats prefix
            users-by-id       | GET    | -                    | /users/42?x=/users/me  | -                    | the query does not take part in matching
            users-me          | GET    | -                    | /users/me              | -                    | exact beats template
            users-me-section  | GET    | -                    | /users/me/orders       | -                    | among templates the leftmost literal segment wins
            users-id-orders   | GET    | -                    | /users/42/orders       | -                    | a literal segment beats a parameter
            users-id-section  | GET    | -                    | /users/42/profile      | -                    | parameter segments when no literal fits
            users-by-id       | GET    | -                    | /users/admin           | -                    | template beats even a longer prefix
            users-admin       | GET    | -                    | /users/admin/x/y       | -                    | longer prefix first
            users-prefix      | GET    | -                    | /users/42/orders/7     | -                    | templates need the same segment count
            catch-all         | GET    | -                    | /users123              | -                    | prefixes are segment-bounded
            catch-all         | GET    | -                    | /users%2F42            | -                    | percent-escapes are not decoded
            api-v1            | GET    | -                    | /api/v1/things         | -                    | longest prefix first
            api-v1            | GET    | -                    | /api/v1                | -                    | a prefix takes its own path
            api               | GET    | -                    | /api/v10               | -                    | prefix boundary at a segment
            orders-get        | GET    | -                    | /orders                | -                    | exact path for its method
            orders-prefix     | POST   | -                    | /orders                | -                    | exact GET-only route does not block a prefix for POST
            items-post        | POST   | -                    | /items                 | x-canary:true        | a method list beats more headers
            items-canary-beta | GET    | -                    | /items                 | x-canary:true;x-beta:1 | more header matches first
            items-canary      | GET    | -                    | /items                 | X-Canary:true        | header names compare case-insensitively
            items-any         | GET    | -                    | /items                 | x-canary:TRUE        | header values compare exactly
            items-any         | GET    | -                    | /items                 | -                    | fewer headers when the others fail
            report-high       | GET    | -                    | /report                | -                    | higher priority first
            tie-a             | GET    | -                    | /tie                   | -                    | id is the last tiebreak
            api-host          | GET    | api.example.com      | /users                 | -                    | exact host beats any host
            api-host          | GET    | API.Example.COM:8443 | /users                 | -                    | host is case-insensitive and its port ignored
            api-host          | GET    | api.example.com.     | /users                 | -                    | a trailing dot is ignored
            users-exact       | GET    | api2.example.com     | /users                 | -                    | host route for POST only falls through to any host
            api2-post         | POST   | api2.example.com     | /users                 | -                    | exact host for its method
            org-wild          | GET    | a.example.org        | /users                 | -                    | wildcard host beats any host
            org-eu-wild       | GET    | a.eu.example.org     | /x                     | -                    | longer wildcard suffix first
            org-eu-wild       | GET    | a.b.eu.example.org:80 | /x                    | -                    | a wildcard takes several labels
            org-eu-users      | DELETE | a.eu.example.org     | /users                 | -                    | exact path under the longer wildcard
            org-wild          | GET    | b.example.org        | /users                 | -                    | host first: a wildcard's prefix beats an any-host exact path
            users-exact       | GET    | example.org          | /users                 | -                    | a wildcard does not take its bare suffix
            -                 | DELETE | -                    | /nowhere               | -                    | nothing takes DELETE /nowhere
            -                 | OPTIONS | -                   | *                      | -                    | a path without / matches nothing
            """)
    void picksTheMostSpecificRoute(String expected, String method, String host, String path, String headers, String why) {
        RouteMatch<Route> match = INDEX.match(method, host, path, parse(headers));
        assertEquals(expected, match == null ? null : match.route().id(), why);
    }

    @Test
    void templateParamsAreExtractedByName() {
        RouteIndex<Route> index = RouteIndex.of(List.of(
                route("orders").paths("/users/{user}/orders/{order}").build(),
                route("files").paths("/files/{name}").build()));

        RouteMatch<Route> match = index.match("GET", null, "/users/u-1/orders/o%202?x=1", RequestHeaders.NONE);
        assertEquals(Map.of("user", "u-1", "order", "o%202"), match.params());
        assertEquals(List.of("user", "order"), List.copyOf(match.params().keySet()), "pattern order");
        assertNull(match.matchedPrefix());
        assertEquals(Map.of("name", "a.json"), index.match("GET", null, "/files/a.json", RequestHeaders.NONE).params());
    }

    @Test
    void sameTemplateUnderDifferentNamesGivesEachRouteItsOwnNames() {
        RouteIndex<Route> index = RouteIndex.of(List.of(
                route("by-id").paths("/users/{id}").methods("GET").build(),
                route("by-name").paths("/users/{name}").methods("PUT").build()));

        assertEquals(Map.of("id", "7"), index.match("GET", null, "/users/7", RequestHeaders.NONE).params());
        assertEquals(Map.of("name", "7"), index.match("PUT", null, "/users/7", RequestHeaders.NONE).params());
    }

    @Test
    void matchedPrefixIsTheLiteralBeforeTheStar() {
        RouteIndex<Route> index = RouteIndex.of(List.of(
                route("users").paths("/users/*").build(),
                route("all").paths("/*").build(),
                route("exact").paths("/exact").build()));

        assertEquals("/users", index.match("GET", null, "/users/1/2", RequestHeaders.NONE).matchedPrefix());
        assertEquals("/users", index.match("GET", null, "/users", RequestHeaders.NONE).matchedPrefix());
        assertEquals("", index.match("GET", null, "/other", RequestHeaders.NONE).matchedPrefix());
        assertNull(index.match("GET", null, "/exact", RequestHeaders.NONE).matchedPrefix());
        assertTrue(index.match("GET", null, "/users/1", RequestHeaders.NONE).params().isEmpty());
    }

    @Test
    void returnsTheItemTheIndexWasBuiltFrom() {
        record Compiled(Route route, String upstreamUrl) {
        }
        Compiled users = new Compiled(route("users").paths("/users").build(), "http://127.0.0.1:1");
        RouteIndex<Compiled> index = RouteIndex.build(List.of(users), Compiled::route);

        RouteMatch<Compiled> match = index.match("GET", "h", "/users", RequestHeaders.NONE);
        assertNotNull(match);
        assertSame(users, match.item());
        assertSame(users.route(), match.route());
        assertEquals(1, index.size());
        assertNull(index.match("GET", "h", "/other", RequestHeaders.NONE));
    }

    @Test
    void anEmptyIndexMatchesNothing() {
        RouteIndex<Route> index = RouteIndex.of(List.of());
        assertNull(index.match("GET", "a.example.org", "/", RequestHeaders.NONE));
        assertEquals(0, index.size());
    }

    @Test
    void malformedPathsAndHostsAreRejectedAtBuildNamingTheRoute() {
        for (Route bad : List.of(
                route("no-slash").paths("users").build(),
                route("mid-star").paths("/a/*/b").build(),
                route("partial-param").paths("/files/{name}.json").build(),
                route("twice").paths("/a/{x}/{x}").build(),
                route("digit-name").paths("/a/{9x}").build(),
                route("dash-name").paths("/a/{a-b}").build(),
                route("param-prefix").paths("/a/{x}/*").build(),
                route("host-star").hosts("api.*.org").build(),
                route("null-header").header("x-a", null).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouteIndex.of(List.of(bad)));
            assertTrue(e.getMessage().startsWith("route \"" + bad.id() + "\": "), e.getMessage());
        }
    }

    private static RequestHeaders parse(String headers) {
        if (headers == null) {
            return RequestHeaders.NONE;
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : headers.split(";")) {
            int colon = pair.indexOf(':');
            map.put(pair.substring(0, colon), pair.substring(colon + 1));
        }
        return RequestHeaders.of(map);
    }
}
