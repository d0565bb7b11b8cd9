package stargate.model.routing;

import java.util.Map;
import stargate.model.Route;

/**
 * The route that serves a request.
 *
 * @param item          what the index was built from for this route
 * @param route         the route
 * @param params        template variables by name ({@code /users/{id}} on {@code /users/42}: id=42);
 *                      empty for exact and prefix paths
 * @param matchedPrefix for a prefix path, its literal part ({@code /users} for {@code /users/*},
 *                      {@code ""} for {@code /*}), which strip_prefix removes and a rewrite replaces;
 *                      null when an exact or template path matched
 */
public record RouteMatch<T>(T item, Route route, Map<String, String> params, String matchedPrefix) {
}
