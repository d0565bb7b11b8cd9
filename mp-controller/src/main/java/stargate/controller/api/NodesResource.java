package stargate.controller.api;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.store.EtcdStore;

/** {@code /api/v1/nodes}: every registered node and how far it lags ({@link NodeReport}). */
@Path("nodes")
@RequestScoped
@Tag(name = "nodes", description = "The fleet: each node's applied revision, lag and last error")
@Produces(MediaType.APPLICATION_JSON)
public class NodesResource {
    @Inject
    EtcdStore store;

    @GET
    @Operation(operationId = "listNodes",
            summary = "Every registered node: its record, applied revision, lag and last error")
    @APIResponse(responseCode = "200", description = "{revision, items: [node]}", content = @Content(schema = @Schema(ref = "Nodes")))
    public Response list() {
        return Response.ok(NodeReport.fleet(store).toString()).build();
    }
}
