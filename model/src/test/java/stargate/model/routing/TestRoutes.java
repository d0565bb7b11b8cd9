package stargate.model.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import stargate.model.Route;

/** Builds the routes the tests need without the codec: {@code route("a").hosts("x").paths("/y").build()}. */
final class TestRoutes {
    private final String id;
    private List<String> hosts = List.of();
    private List<String> paths = List.of("/");
    private List<String> methods = List.of();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int priority;

    private TestRoutes(String id) {
        this.id = id;
    }

    static TestRoutes route(String id) {
        return new TestRoutes(id);
    }

    TestRoutes hosts(String... hosts) {
        this.hosts = List.of(hosts);
        return this;
    }

    TestRoutes paths(String... paths) {
        this.paths = List.of(paths);
        return this;
    }

    TestRoutes methods(String... methods) {
        this.methods = List.of(methods);
        return this;
    }

    TestRoutes header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    TestRoutes priority(int priority) {
        this.priority = priority;
        return this;
    }

    Route build() {
        return new Route(id, hosts, paths, methods, headers, priority, "svc", false, null, false, null, null, null, false);
    }

    /** Headers from alternating names and values. */
    static RequestHeaders headers(String... namesAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return RequestHeaders.of(map);
    }
}
