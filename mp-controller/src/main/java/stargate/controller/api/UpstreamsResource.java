package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.model.Kind;

/** {@code /api/v1/upstreams}: see {@link ObjectResource}. */
@Path("upstreams")
@ApplicationScoped
@Tag(name = "upstreams", description = "Upstreams: the targets a route sends to, their balancing, health checks, circuit breaker and pool")
public class UpstreamsResource extends ObjectResource {
    public UpstreamsResource() {
        super(Kind.UPSTREAM);
    }
}
