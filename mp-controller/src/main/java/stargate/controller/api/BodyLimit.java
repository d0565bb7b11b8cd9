package stargate.controller.api;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Request bodies: at most {@value #OBJECT_BYTES} bytes, except a whole config ({@code PUT /config},
 * {@code POST /config/validate}), which may be as big as the server allows
 * ({@code server.max-payload-size}, 256 MiB: 100,000 objects are ~20-40 MB of JSON). Refused by the
 * declared length, before the body is read.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
@ApplicationScoped
public class BodyLimit implements ContainerRequestFilter {
    static final long OBJECT_BYTES = 1024 * 1024;

    @Override
    public void filter(ContainerRequestContext request) {
        int length = request.getLength();
        if (length <= OBJECT_BYTES) {
            return;
        }
        String path = request.getUriInfo().getPath();
        path = path.startsWith("/") ? path.substring(1) : path;
        if (path.equals("config") || path.equals("config/validate")) {
            return;
        }
        request.abortWith(Response.status(Response.Status.REQUEST_ENTITY_TOO_LARGE).build());
    }
}
