package stargate.model.validate;

import static stargate.model.validate.Findings.at;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import stargate.model.Route;

/** Checks one route on its own, plus its reference to an upstream. */
final class RouteChecks {
    static final int MAX_PRIORITY = 1000;
    static final int MAX_RETRY_ATTEMPTS = 10;

    private final Findings f;
    private final Predicate<String> upstreamDeclared;
    private final PluginCatalog plugins;

    RouteChecks(Findings f, Predicate<String> upstreamDeclared, PluginCatalog plugins) {
        this.f = f;
        this.upstreamDeclared = upstreamDeclared;
        this.plugins = plugins;
    }

    void check(Route route, String path) {
        if (!route.hosts().isEmpty()) {
            String hosts = at(path, "hosts");
            unique(route.hosts(), hosts, "host");
            for (int i = 0; i < route.hosts().size(); i++) {
                Syntax.host(f, at(hosts, i), route.hosts().get(i));
            }
        }
        List<Set<String>> variables = paths(route, at(path, "paths"));
        if (!route.methods().isEmpty()) {
            String methods = at(path, "methods");
            unique(route.methods(), methods, "method");
            for (int i = 0; i < route.methods().size(); i++) {
                Syntax.method(f, at(methods, i), route.methods().get(i));
            }
        }
        if (!route.headers().isEmpty()) {
            headers(route.headers(), at(path, "headers"));
        }
        f.range(path, "priority", route.priority(), -MAX_PRIORITY, MAX_PRIORITY);
        if (f.required(path, "upstream", route.upstream()) && !upstreamDeclared.test(route.upstream())) {
            f.add(at(path, "upstream"), "unknown upstream \"" + route.upstream() + "\"");
        }
        stripPrefix(route, path);
        if (route.rewrite() != null) {
            rewrite(route.rewrite(), at(path, "rewrite.path"), variables);
        }
        f.positive(path, "timeouts.connect", route.timeouts().connect());
        f.positive(path, "timeouts.read", route.timeouts().read());
        f.positive(path, "timeouts.idle", route.timeouts().idle());
        if (route.timeouts().idle() != null && !route.websocket()) {
            f.add(at(path, "timeouts.idle"), "only meaningful on a WebSocket route (websocket: true): it bounds how"
                    + " long a relayed WebSocket may carry no bytes");
        }
        f.positive(path, "timeouts.total", route.timeouts().total());
        if (route.retries() != null) {
            retries(route.retries(), at(path, "retries"));
        }
        if (!route.plugins().isEmpty()) {
            plugins.validate(route.plugins(), at(path, "plugins"), f.errors());
            ConfigValidator.upstreamReferences(route.plugins(), at(path, "plugins"), upstreamDeclared, f);
        }
    }

    /** @return each valid path's template variables (invalid paths are left out) */
    private List<Set<String>> paths(Route route, String path) {
        if (route.paths().isEmpty()) {
            f.add(path, "a route needs at least one path");
        }
        unique(route.paths(), path, "path");
        List<Set<String>> variables = new java.util.ArrayList<>(route.paths().size());
        for (int i = 0; i < route.paths().size(); i++) {
            Set<String> found = Syntax.routePath(f, at(path, i), route.paths().get(i));
            if (found != null) {
                variables.add(found);
            }
        }
        return variables;
    }

    private void headers(Map<String, String> headers, String path) {
        Map<String, String> seen = new HashMap<>();
        headers.forEach((name, value) -> {
            String at = path + "." + name;
            if (!Syntax.isToken(name)) {
                f.add(at, "invalid header name \"" + name + "\"");
            } else if (seen.putIfAbsent(name.toLowerCase(Locale.ROOT), name) != null) {
                f.add(at, "duplicate header (names are case-insensitive): \"" + seen.get(name.toLowerCase(Locale.ROOT)) + "\"");
            }
            if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
                f.add(at, "a header value must not contain line breaks");
            }
        });
    }

    /**
     * strip_prefix removes the part a prefix path matched ({@code /api/*} serving {@code /api/users}
     * forwards {@code /users}). That is only defined for prefix paths, so every path of such a route
     * must be one, and it cannot be combined with a rewrite (which replaces the whole path).
     */
    private void stripPrefix(Route route, String path) {
        if (!route.stripPrefix()) {
            return;
        }
        if (route.rewrite() != null) {
            f.add(at(path, "strip_prefix"), "strip_prefix and rewrite cannot be combined");
            return;
        }
        route.paths().stream().filter(p -> p != null && !Syntax.isPrefix(p)).findFirst().ifPresent(p ->
                f.add(at(path, "strip_prefix"), "needs prefix paths (ending in /*), but \"" + p + "\" is not one"));
    }

    private void rewrite(Route.Rewrite rewrite, String path, List<Set<String>> pathVariables) {
        if (!f.required(path, rewrite.path())) {
            return;
        }
        if (!rewrite.path().startsWith("/")) {
            f.add(path, "must start with \"/\", got \"" + rewrite.path() + "\"");
            return;
        }
        for (String variable : Syntax.variablesIn(rewrite.path())) {
            if (pathVariables.stream().anyMatch(vars -> !vars.contains(variable))) {
                f.add(path, "{" + variable + "} is not a template variable of every path of the route");
            }
        }
    }

    private void retries(Route.Retries retries, String path) {
        f.range(at(path, "attempts"), retries.attempts(), 0, MAX_RETRY_ATTEMPTS);
        for (int i = 0; i < retries.on().size(); i++) {
            String on = retries.on().get(i);
            if (!on.equals("connect-failure") && !on.equals("timeout") && !isStatus(on)) {
                f.add(at(at(path, "on"), i), "expected connect-failure, timeout or a status code 100..599, got \"" + on + "\"");
            }
        }
        for (int i = 0; i < retries.methods().size(); i++) {
            Syntax.method(f, at(at(path, "methods"), i), retries.methods().get(i));
        }
    }

    private static boolean isStatus(String text) {
        return text.matches("[1-5][0-9][0-9]");
    }

    private void unique(List<String> values, String path, String noun) {
        if (values.size() < 2) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != null && !seen.add(values.get(i))) {
                f.add(at(path, i), "duplicate " + noun + " \"" + values.get(i) + "\"");
            }
        }
    }
}
