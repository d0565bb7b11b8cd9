package stargate.model.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static stargate.model.routing.TestRoutes.route;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.model.routing.Explanation.Candidate;

class RouteIndexExplainTest {
    private static final RouteIndex<stargate.model.Route> INDEX = RouteIndex.of(List.of(
            route("users-by-id").paths("/users/{id}").build(),
            route("users-prefix").paths("/users/*").build(),
            route("users-post").paths("/users/{id}").methods("POST").build(),
            route("users-canary").paths("/users/{id}").header("X-Canary", "true").build(),
            route("users-api-host").hosts("api.example.com").paths("/users/{id}").build(),
            route("users-list").paths("/users").build(),
            route("users-low").paths("/users/{uid}").priority(-1).build(),
            route("users-tie").paths("/users/{id}").build(),
            route("org-users").hosts("*.example.org").paths("/users/*").methods("DELETE").build(),
            route("orders").paths("/orders/*").build()));

    @Test
    void namesTheWinnerItsParamsAndWhyEachNearRouteLost() {
        Explanation explanation = INDEX.explain("GET", "a.example.org:443", "/users/42?x=1",
                TestRoutes.headers("x-canary", "false"));

        assertEquals("users-by-id", explanation.route());
        assertEquals(Map.of("id", "42"), explanation.params());
        assertEquals(List.of(
                new Candidate("org-users", "method GET not in [DELETE]"),
                new Candidate("users-post", "method GET not in [POST]"),
                new Candidate("users-canary", "header x-canary: expected \"true\", got \"false\""),
                new Candidate("users-tie", "lost to more specific route users-by-id (same rank, id \"users-by-id\" sorts first)"),
                new Candidate("users-low", "lost to more specific route users-by-id (higher priority: 0 vs -1)"),
                new Candidate("users-prefix", "lost to more specific route users-by-id (template beats prefix)"),
                new Candidate("users-api-host", "host a.example.org does not match [api.example.com]"),
                new Candidate("users-list", "path /users/42 does not match [/users]")),
                explanation.candidates());
    }

    @Test
    void explainsHostTierAndMissingHeaders() {
        Explanation explanation = INDEX.explain("DELETE", "b.example.org", "/users/7", RequestHeaders.NONE);

        assertEquals("org-users", explanation.route());
        assertEquals(Map.of(), explanation.params(), "a prefix has no params");
        assertEquals(new Candidate("users-canary", "header x-canary: expected \"true\", got none"),
                explanation.candidates().stream().filter(c -> c.route().equals("users-canary")).findFirst().orElseThrow());
        assertEquals(new Candidate("users-by-id", "lost to more specific route org-users (wildcard host beats any host)"),
                explanation.candidates().stream().filter(c -> c.route().equals("users-by-id")).findFirst().orElseThrow());
    }

    @Test
    void noRouteStillExplainsTheNearOnes() {
        RouteIndex<stargate.model.Route> index = RouteIndex.of(List.of(
                route("users-get").paths("/users").methods("GET").build(),
                route("users-v2").hosts("v2.example.com").paths("/users").build(),
                route("admin").paths("/admin/*").build()));

        Explanation explanation = index.explain("POST", null, "/users", RequestHeaders.NONE);

        assertNull(explanation.route());
        assertEquals(Map.of(), explanation.params());
        assertEquals(List.of(
                new Candidate("users-get", "method POST not in [GET]"),
                new Candidate("users-v2", "no Host header; route needs one of [v2.example.com]")),
                explanation.candidates());
    }

    @Test
    void explainAgreesWithMatchOnTheWinner() {
        for (String path : List.of("/users/1", "/users", "/orders/x", "/nothing", "/users/1/2")) {
            RouteMatch<stargate.model.Route> match = INDEX.match("GET", "x.example.org", path, RequestHeaders.NONE);
            Explanation explanation = INDEX.explain("GET", "x.example.org", path, RequestHeaders.NONE);
            assertEquals(match == null ? null : match.route().id(), explanation.route(), path);
            assertEquals(match == null ? Map.of() : match.params(), explanation.params(), path);
        }
    }
}
