package stargate.node.plugin.cors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import stargate.model.plugin.CorsConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Response;
import stargate.node.plugin.Verdict;

/**
 * A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is
 * answered here, never proxied: 204 with the allowed methods, headers and max age when the origin,
 * the method and every requested header are allowed; 403 {@code cors_forbidden} otherwise. With
 * {@code allow_headers} empty, every well-formed requested header is allowed and echoed in
 * {@code Access-Control-Allow-Headers} (as Kong does). An actual
 * request is proxied whatever its origin (browsers enforce CORS, not servers); the response carries
 * {@code Access-Control-Allow-Origin} only for an allowed origin. Responses always say
 * {@code Vary: Origin}, so caches keep one answer per origin. Origins are compared exactly, as
 * browsers serialise them ({@code https://app.example.com}); {@code null} is never allowed.
 */
final class CorsPlugin implements Plugin {
    private final CorsConfig config;
    private final Set<String> methods;
    private final Set<String> headers = new HashSet<>();
    private final String allowMethods;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final String maxAge;

    CorsPlugin(CorsConfig config) {
        this.config = config;
        this.methods = Set.copyOf(config.allowMethods());
        config.allowHeaders().forEach(h -> headers.add(h.toLowerCase(Locale.ROOT)));
        this.allowMethods = String.join(", ", config.allowMethods());
        this.allowHeaders = String.join(", ", config.allowHeaders());
        this.exposeHeaders = String.join(", ", config.exposeHeaders());
        this.maxAge = Long.toString(config.maxAge().toSeconds());
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        String origin = exchange.request().header("Origin");
        String requestMethod = exchange.request().header("Access-Control-Request-Method");
        if (origin == null || requestMethod == null || !exchange.request().method().equals("OPTIONS")) {
            return Verdict.PASS;
        }
        if (!allowed(origin)) {
            return Verdict.reject(403, "cors_forbidden", "origin not allowed");
        }
        if (!methods.contains(requestMethod)) {
            return Verdict.reject(403, "cors_forbidden", "method " + requestMethod + " not allowed cross-origin");
        }
        List<String> requestedHeaders = new ArrayList<>();
        String requested = exchange.request().header("Access-Control-Request-Headers");
        for (String header : requested == null ? new String[0] : requested.split(",")) {
            String name = header.strip();
            if (name.isEmpty()) {
                continue;
            }
            // only well-formed names are ever echoed: nothing the client sends beyond a token reaches the answer
            if (!CorsConfig.isHeaderName(name) || !config.anyHeader() && !headers.contains(name.toLowerCase(Locale.ROOT))) {
                return Verdict.reject(403, "cors_forbidden", "header " + name + " not allowed cross-origin");
            }
            requestedHeaders.add(name);
        }
        Verdict preflight = Verdict.respond(204, new byte[0], null)
                .header("Access-Control-Allow-Methods", allowMethods)
                .header("Access-Control-Max-Age", maxAge);
        String allowed = config.anyHeader() ? String.join(", ", requestedHeaders) : allowHeaders;
        if (!allowed.isEmpty()) {
            preflight.header("Access-Control-Allow-Headers", allowed);
        }
        return preflight;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        response.addHeader("Vary", "Origin");
        String origin = exchange.request().header("Origin");
        if (origin == null || !allowed(origin)) {
            return;
        }
        response.setHeader("Access-Control-Allow-Origin", config.anyOrigin() ? "*" : origin);
        if (config.allowCredentials()) {
            response.setHeader("Access-Control-Allow-Credentials", "true");
        }
        if (!exposeHeaders.isEmpty() && response.status() != 204) {
            response.setHeader("Access-Control-Expose-Headers", exposeHeaders);
        }
    }

    private boolean allowed(String origin) {
        return config.anyOrigin() || config.allowOrigins().contains(origin);
    }
}
