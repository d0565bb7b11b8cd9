package stargate.controller.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.write.ConfigService;
import stargate.model.routing.Explanation;

/**
 * {@code POST /api/v1/explain}: which route of the config in etcd would serve a request, and why
 * the others near it would not; the same route index the nodes serve with.
 */
@Path("explain")
@RequestScoped
@Tag(name = "explain", description = "Which route would serve a request, and why the others would not")
public class ExplainResource {
    @Inject
    ConfigService service;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "explainRequest",
            summary = "Explain routing: the winning route, its path parameters, and why each candidate lost")
    @RequestBody(required = true, content = @Content(schema = @Schema(ref = "ExplainRequest")))
    @APIResponse(responseCode = "200", description = "{route, params, candidates, path, refused, revision}; path is "
            + "the normalized path that was matched, refused says why the path would be a 400 instead",
            content = @Content(schema = @Schema(ref = "Explanation")))
    public Response explain(String text) {
        ObjectNode body = Json.body(text);
        Map<String, String> headers = new LinkedHashMap<>();
        body.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        Explained explained = Explained.request(service, body.path("method").asText(""), body.path("url").asText(""),
                headers);
        Explanation explanation = explained.explanation();
        ObjectNode out = Json.object();
        out.put("route", explanation.route());
        ObjectNode params = out.putObject("params");
        explanation.params().forEach(params::put);
        var candidates = out.putArray("candidates");
        for (Explanation.Candidate c : explanation.candidates()) {
            candidates.addObject().put("route", c.route()).put("reason", c.reason());
        }
        out.put("path", explanation.path());
        out.put("refused", explanation.refused());
        out.put("revision", explained.revision());
        return Response.ok(out.toString()).build();
    }

}
