package stargate.controller.api;

import io.helidon.webserver.http.ServerRequest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.rollout.Rollouts;

/**
 * {@code /api/v1/rollouts}: progressive rollouts (SPEC §22, docs/rollout.md), started by a write
 * with {@code ?rollout=canary}; listed, read (with the live canary and baseline figures while one
 * bakes), promoted or aborted by hand here.
 */
@Path("rollouts")
@RequestScoped
@Tag(name = "rollouts", description = "Progressive rollouts: canary changes baking, promoted or rolled back (docs/rollout.md)")
@Produces(MediaType.APPLICATION_JSON)
public class RolloutsResource {
    @Inject
    Rollouts rollouts;
    @Context
    SecurityContext security;
    @Context
    ServerRequest request;

    @GET
    @Operation(operationId = "listRollouts",
            summary = "Every kept rollout, newest first")
    @APIResponse(responseCode = "200", description = "{items: [rollout]}", content = @Content(schema = @Schema(ref = "Rollouts")))
    public Response list() {
        return Response.ok(rollouts.list().toString()).build();
    }

    @GET
    @Path("{id}")
    @Operation(operationId = "getRollout",
            summary = "One rollout: state, policy, canaries, changes, and its figures (live while it bakes)")
    @APIResponse(responseCode = "200", description = "the rollout", content = @Content(schema = @Schema(ref = "Rollout")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response get(@PathParam("id") String id) {
        return Response.ok(rollouts.get(id).toString()).build();
    }

    @POST
    @Path("{id}/promote")
    @Operation(operationId = "promoteRollout",
            summary = "Promote now: write the change to the config (audited, in the history); every node serves it")
    @APIResponse(responseCode = "200", description = "the promoted rollout", content = @Content(schema = @Schema(ref = "Rollout")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response promote(@PathParam("id") String id) {
        return Response.ok(rollouts.promote(id, Principals.actor(security, request)).toString()).build();
    }

    @POST
    @Path("{id}/abort")
    @Operation(operationId = "abortRollout",
            summary = "Abort: the canaries go back to the config; nothing is written to it")
    @APIResponse(responseCode = "200", description = "the aborted rollout", content = @Content(schema = @Schema(ref = "Rollout")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response abort(@PathParam("id") String id) {
        return Response.ok(rollouts.abort(id, Principals.actor(security, request)).toString()).build();
    }
}
