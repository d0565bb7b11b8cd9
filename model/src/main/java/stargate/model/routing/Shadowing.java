package stargate.model.routing;

import java.util.List;
import stargate.model.Route;
import stargate.model.validate.ConfigError;

/** Finds routes that can never match because a more specific route always wins first. */
public final class Shadowing {
    private Shadowing() {
    }

    /**
     * @param routes the config's routes, in file order (the error paths use these indexes)
     * @return one error per shadowed route, at {@code routes[i]}, naming the route that wins instead
     */
    public static List<ConfigError> find(List<Route> routes) {
        return List.of(); // TODO(router): implemented with the route index
    }
}
