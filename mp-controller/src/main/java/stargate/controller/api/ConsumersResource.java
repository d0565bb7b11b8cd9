package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.model.Kind;

/** {@code /api/v1/consumers}: see {@link ObjectResource}. */
@Path("consumers")
@ApplicationScoped
@Tag(name = "consumers", description = "Consumers: the clients of the gateway and their credentials (key, basic, JWT); secrets are write-only")
public class ConsumersResource extends ObjectResource {
    public ConsumersResource() {
        super(Kind.CONSUMER);
    }
}
