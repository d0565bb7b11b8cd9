package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.model.Kind;

/** {@code /api/v1/routes}: see {@link ObjectResource}. */
@Path("routes")
@ApplicationScoped
@Tag(name = "routes", description = "Routes: which requests (hosts, paths, methods, headers) go to which upstream, with which plugins")
public class RoutesResource extends ObjectResource {
    public RoutesResource() {
        super(Kind.ROUTE);
    }
}
