package stargate.controller.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.glassfish.jersey.server.ExtendedUriInfo;

/**
 * A SERVER span per admin API request, child of the caller's {@code traceparent} when valid, named
 * {@code METHOD route} after the matched resource template ({@code PUT /api/v1/routes/{id}}); current while
 * the request runs, so the etcd calls it makes are its children. First of all filters (before auth), so a
 * refused request is traced too.
 */
@Provider
@PreMatching
@Priority(1)
@ApplicationScoped
public class ApiSpans implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String SPAN = ApiSpans.class.getName() + ".span";
    private static final String SCOPE = ApiSpans.class.getName() + ".scope";
    private static final TextMapGetter<ContainerRequestContext> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ContainerRequestContext carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(ContainerRequestContext carrier, String key) {
            List<String> values = carrier == null ? null : carrier.getHeaders().get(key);
            return values == null || values.isEmpty() ? null : String.join(",", values);
        }
    };

    @Override
    public void filter(ContainerRequestContext request) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
        String method = request.getMethod();
        Span span = Telemetry.tracer().spanBuilder(method).setSpanKind(SpanKind.SERVER).setParent(parent)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", request.getUriInfo().getRequestUri().getRawPath())
                .setAttribute("url.scheme", request.getUriInfo().getRequestUri().getScheme())
                .startSpan();
        request.setProperty(SPAN, span);
        request.setProperty(SCOPE, span.makeCurrent());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(SPAN) instanceof Span span)) {
            return;
        }
        if (request.getProperty(SCOPE) instanceof Scope scope) {
            scope.close();
        }
        String route = route(request);
        if (route != null) {
            span.updateName(request.getMethod() + " " + route);
            span.setAttribute("http.route", route);
        }
        int status = response.getStatus();
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setAttribute("error.type", Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** The application path and the matched resource templates: {@code /api/v1/routes/{id}}; null when none matched. */
    private static String route(ContainerRequestContext request) {
        if (!(request.getUriInfo() instanceof ExtendedUriInfo info) || info.getMatchedTemplates().isEmpty()) {
            return null;
        }
        StringBuilder route = new StringBuilder(info.getBaseUri().getRawPath());   // the application path
        List<org.glassfish.jersey.uri.UriTemplate> templates = info.getMatchedTemplates();
        for (int i = templates.size() - 1; i >= 0; i--) {
            String t = templates.get(i).getTemplate();
            if (!t.startsWith("/") && !route.isEmpty() && route.charAt(route.length() - 1) != '/') {
                route.append('/');
            }
            route.append(t);
        }
        String path = route.toString().replaceAll("/{2,}", "/");
        return path.startsWith("/") ? path : "/" + path;
    }
}
