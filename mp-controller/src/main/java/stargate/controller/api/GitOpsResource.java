package stargate.controller.api;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.gitops.GitOps;
import stargate.controller.problem.ApiProblem;

/**
 * {@code /api/v1/gitops}: the reconciler's status, a forced sync, the push webhook, and suspension
 * (semantics in {@code docs/gitops.md}). Status is for viewers; sync and suspension for admins; the
 * webhook is authenticated by its HMAC signature alone (no API credentials: a Git host has none).
 */
@Path("gitops")
@RequestScoped
@Tag(name = "gitops", description = "The Git reconciler: status, forced sync, push webhook, suspend and resume (docs/gitops.md)")
@Produces(MediaType.APPLICATION_JSON)
public class GitOpsResource {
    @Inject
    GitOps gitops;
    @Context
    SecurityContext security;

    @GET
    @Path("status")
    @Operation(operationId = "getGitOpsStatus",
            summary = "Sync status: sync (Synced/OutOfSync/Failed/Unknown), last attempted and applied commits, errors with file and path, drift, inventory, this controller's role")
    @APIResponse(responseCode = "200", description = "the status; {\"enabled\": false} without --git",
            content = @Content(schema = @Schema(ref = "GitOpsStatus")))
    public Response status() {
        return Response.ok(gitops.status().toString()).build();
    }

    @POST
    @Path("sync")
    @Operation(operationId = "syncGitOps",
            summary = "Fetch and reconcile now, answered when done: retries a failed commit and reverts drift even without self-heal")
    @APIResponse(responseCode = "200", description = "the status after the pass", content = @Content(schema = @Schema(ref = "GitOpsStatus")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response sync() {
        enabled();
        return Response.ok(gitops.sync().toString()).build();
    }

    @POST
    @Path("webhook")
    @Operation(operationId = "gitOpsWebhook",
            summary = "Push webhook (GitHub style): queues a fetch and reconcile. Authenticated by X-Hub-Signature-256 only")
    // No API credentials: a Git host has none; the X-Hub-Signature-256 parameter authenticates the body.
    @SecurityRequirementsSet
    @APIResponse(responseCode = "202", description = "accepted: a pass is queued")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response webhook(byte[] body,
                            @Parameter(description = "sha256=<hex HMAC-SHA256 of the raw body, keyed with --git-secret-file>")
                            @HeaderParam("X-Hub-Signature-256") String signature) {
        enabled();
        if (!gitops.webhookConfigured()) {
            throw ApiProblem.notFound("no webhook: the controller runs without --git-secret-file");
        }
        if (!gitops.verify(body == null ? new byte[0] : body, signature)) {
            throw new ApiProblem(401, "bad-signature", "Unauthorized",
                    "X-Hub-Signature-256 is missing or does not match the body", List.of());
        }
        gitops.trigger();
        return Response.accepted(Json.object().put("accepted", true).toString()).build();
    }

    @POST
    @Path("suspend")
    @Operation(operationId = "suspendGitOps",
            summary = "Suspend GitOps on every controller: no applies and no drift correction until resumed; allows POST /rollback")
    @APIResponse(responseCode = "200", description = "the status", content = @Content(schema = @Schema(ref = "GitOpsStatus")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response suspend() {
        enabled();
        gitops.suspend(true, Principals.name(security));
        return status();
    }

    @POST
    @Path("resume")
    @Operation(operationId = "resumeGitOps",
            summary = "Resume GitOps; the next pass re-applies Git (reverting a rollback)")
    @APIResponse(responseCode = "200", description = "the status", content = @Content(schema = @Schema(ref = "GitOpsStatus")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response resume() {
        enabled();
        gitops.suspend(false, Principals.name(security));
        return status();
    }

    private void enabled() {
        if (!gitops.enabled()) {
            throw ApiProblem.notFound("GitOps is off: start the controller with --git URL");
        }
    }
}
