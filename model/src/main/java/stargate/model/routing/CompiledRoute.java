package stargate.model.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import stargate.model.Route;

/**
 * A route prepared for matching: hosts and paths parsed, header names lower-cased, methods and
 * headers in arrays for a loop without iterators.
 *
 * @param <T> what the index hands back for this route (the route itself, or the node's compiled form)
 */
final class CompiledRoute<T> {
    /**
     * The order among routes in one leaf (same host key and path shape), most specific first:
     * a method list before none, more header matches first, higher priority first, then id, then
     * input order (only duplicate ids reach it).
     */
    static final Comparator<CompiledRoute<?>> RANK = (a, b) -> {
        int order = Boolean.compare(b.hasMethods(), a.hasMethods());
        order = order != 0 ? order : Integer.compare(b.headerNames.length, a.headerNames.length);
        order = order != 0 ? order : Integer.compare(b.priority, a.priority);
        order = order != 0 ? order : a.id.compareTo(b.id);
        return order != 0 ? order : Integer.compare(a.order, b.order);
    };
    private static final String[] NONE = {};

    final T item;
    final Route route;
    final String id;
    final int order;
    final int priority;
    final String[] methods;
    final String[] headerNames;
    final String[] headerValues;
    /** Lower-case name to value, for equality. */
    final Map<String, String> headers;
    /** Never empty: a route without hosts has {@link HostPattern#ANY}. */
    final List<HostPattern> hosts;
    final List<PathPattern> paths;

    private CompiledRoute(T item, Route route, int order, Map<String, String> headers,
                          List<HostPattern> hosts, List<PathPattern> paths) {
        this.item = item;
        this.route = route;
        this.id = route.id();
        this.order = order;
        this.priority = route.priority();
        this.methods = route.methods().isEmpty() ? NONE : route.methods().toArray(String[]::new);
        this.headers = Map.copyOf(headers);
        this.headerNames = headers.isEmpty() ? NONE : headers.keySet().toArray(String[]::new);
        this.headerValues = headers.isEmpty() ? NONE : headers.values().toArray(String[]::new);
        this.hosts = hosts;
        this.paths = paths;
    }

    /** @throws IllegalArgumentException naming the route and the bad host or path */
    static <T> CompiledRoute<T> compile(T item, Route route, int order) {
        if (route.id() == null) {
            throw new IllegalArgumentException("route #" + order + " has no id");
        }
        try {
            List<HostPattern> hosts = new ArrayList<>();
            for (String host : route.hosts()) {
                hosts.add(HostPattern.parse(host));
            }
            if (hosts.isEmpty()) {
                hosts.add(HostPattern.ANY);
            }
            List<PathPattern> paths = new ArrayList<>();
            for (String path : route.paths()) {
                paths.add(PathPattern.parse(path));
            }
            Map<String, String> headers = new LinkedHashMap<>();
            route.headers().forEach((name, value) -> {
                if (value == null) {
                    throw new IllegalArgumentException("header " + name + " needs a value to match");
                }
                headers.put(name.toLowerCase(Locale.ROOT), value);
            });
            return new CompiledRoute<>(item, route, order, headers, List.copyOf(hosts), List.copyOf(paths));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("route \"" + route.id() + "\": " + e.getMessage(), e);
        }
    }

    /**
     * The places this route occupies: each host with each path, once per leaf (a path listed twice,
     * or one template under two parameter names, counts once; the first one listed is kept).
     */
    List<Entry<T>> entries() {
        if (hosts.size() == 1 && paths.size() == 1) {
            return List.of(new Entry<>(this, hosts.get(0), paths.get(0)));
        }
        List<Entry<T>> entries = new ArrayList<>();
        Set<String> leaves = new HashSet<>();
        for (HostPattern host : hosts) {
            for (PathPattern path : paths) {
                if (leaves.add(host + " " + path.shape())) {
                    entries.add(new Entry<>(this, host, path));
                }
            }
        }
        return entries;
    }

    /** The hot-path check: does the request's method and headers satisfy this route? */
    boolean accepts(String method, RequestHeaders requestHeaders) {
        if (methods.length > 0 && !contains(methods, method)) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            if (!headerValues[i].equals(requestHeaders.first(headerNames[i]))) {
                return false;
            }
        }
        return true;
    }

    /** Why {@link #accepts} is false, for explain; null when it is true. */
    String rejection(String method, RequestHeaders requestHeaders) {
        if (methods.length > 0 && !contains(methods, method)) {
            return "method " + method + " not in " + route.methods();
        }
        for (int i = 0; i < headerNames.length; i++) {
            String actual = requestHeaders.first(headerNames[i]);
            if (!headerValues[i].equals(actual)) {
                return "header " + headerNames[i] + ": expected \"" + headerValues[i] + "\", got "
                        + (actual == null ? "none" : "\"" + actual + "\"");
            }
        }
        return null;
    }

    /** Which {@link #RANK} rule puts this route before {@code other} in the same leaf. */
    String ranksBefore(CompiledRoute<?> other) {
        if (methods.length > 0 && other.methods.length == 0) {
            return "a method list beats none";
        }
        if (headerNames.length != other.headerNames.length) {
            return "more header matches: " + headerNames.length + " vs " + other.headerNames.length;
        }
        if (priority != other.priority) {
            return "higher priority: " + priority + " vs " + other.priority;
        }
        if (!id.equals(other.id)) {
            return "same rank, id \"" + id + "\" sorts first";
        }
        return "same rank and id, listed first";
    }

    boolean hasMethods() {
        return methods.length > 0;
    }

    private static boolean contains(String[] values, String value) {
        for (String candidate : values) {
            if (candidate.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
