package stargate.controller.ui;

import io.helidon.http.HeaderNames;
import io.helidon.microprofile.server.RoutingPath;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.staticcontent.StaticContentService;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Serves the dashboard's files from {@code stargate/ui} on the classpath under {@code /ui}.
 *
 * <p>The files are not secret (no auth here: the API authenticates each call they make). What
 * matters is that API data can never run as script: the pages render with {@code textContent}
 * only, and the policy below is the second wall. Scripts and styles come from this origin only (no
 * inline, no eval), the pages talk to this origin only, and nothing may frame them (clickjacking).
 * No cookie is ever set: the credentials travel in a header the page adds, so there is nothing for a
 * cross-site request to ride on (CSRF).
 */
@ApplicationScoped
@RoutingPath("/ui")
public class Dashboard implements HttpService {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final StaticContentService files = StaticContentService.builder("stargate/ui")
            .welcomeFileName("index.html").build();

    @Override
    public void routing(HttpRules rules) {
        rules.any((request, response) -> {
            response.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
            response.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
            response.header(HeaderNames.create("X-Frame-Options"), "DENY");
            response.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
            response.header(HeaderNames.CACHE_CONTROL, "no-cache");
            response.next();
        });
        rules.register(files);
    }
}
