package stargate.controller.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.StoreUnavailableException;
import stargate.model.validate.ConfigError;

/**
 * Every failure of the admin API as RFC 9457 problem details:
 * {@code {type, title, status, detail, errors: [{path, message}]}} with {@code application/problem+json}.
 * Covers our own {@link ApiProblem}s, etcd outages (503), JAX-RS errors (404 unknown path, 405,
 * 415...) and anything unexpected (500, logged).
 */
@Provider
@ApplicationScoped
public class ProblemMapper implements ExceptionMapper<Throwable> {
    static final String PROBLEM_JSON = "application/problem+json";
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class.getName());

    @Override
    public Response toResponse(Throwable failure) {
        return switch (failure) {
            case ApiProblem p -> response(p);
            case StoreUnavailableException e -> response(new ApiProblem(503, "etcd-unavailable", "etcd unavailable",
                    e.getMessage(), List.of()));
            case IllegalArgumentException e when e.getMessage() != null && e.getMessage().startsWith("etcd refused") ->
                    response(new ApiProblem(400, "etcd-refused", "etcd refused the write", e.getMessage(), List.of()));
            case WebApplicationException e -> response(new ApiProblem(e.getResponse().getStatus(), "http-"
                    + e.getResponse().getStatus(), e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(), List.of()));
            default -> {
                LOG.log(Level.SEVERE, "unexpected failure in the admin API", failure);
                yield response(new ApiProblem(500, "internal", "Internal error", String.valueOf(failure.getMessage()),
                        List.of()));
            }
        };
    }

    static Response response(ApiProblem p) {
        return Response.status(p.status()).type(PROBLEM_JSON).entity(body(p).toString()).build();
    }

    static ObjectNode body(ApiProblem p) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("type", "urn:stargate:problem:" + p.slug());
        body.put("title", p.title());
        body.put("status", p.status());
        body.put("detail", p.getMessage());
        ArrayNode errors = body.putArray("errors");
        for (ConfigError e : p.errors()) {
            errors.addObject().put("path", e.path()).put("message", e.message());
        }
        return body;
    }
}
