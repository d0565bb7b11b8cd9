package stargate.controller.telemetry;

import io.helidon.http.HeaderNames;
import io.helidon.microprofile.server.RoutingPath;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code GET /metrics}: {@link ControllerMetrics} as Prometheus text. A bean apart from the meters because Helidon
 * builds {@code @RoutingPath} services as instances of their own, not the application-scoped one others inject.
 */
@ApplicationScoped
@RoutingPath("/metrics")
public class MetricsEndpoint implements HttpService {
    @Inject
    ControllerMetrics metrics;

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> {
            response.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            response.send(metrics.text());
        });
    }
}
