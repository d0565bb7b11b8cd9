package stargate.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.audit.AuditLog;
import stargate.controller.gitops.GitOps;
import stargate.controller.history.History;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.controller.write.ConfigService;
import stargate.model.validate.ConfigError;

/**
 * {@code /api/v1/history}, {@code /api/v1/rollback} and {@code /api/v1/audit}: the config's kept
 * versions, restoring one as a new write, and who changed what. Rollback is refused while GitOps
 * applies (Git is the source of truth, as in Argo CD): revert the commit, or suspend GitOps first.
 */
@Path("")
@RequestScoped
@Tag(name = "history", description = "Config versions, the audit log, and rollback to a version")
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ConfigService service;
    @Inject
    EtcdStore store;
    @Inject
    GitOps gitops;
    @Context
    SecurityContext security;
    @Context
    ServerRequest request;

    @GET
    @Path("history")
    @Operation(operationId = "listHistory",
            summary = "Config versions, newest first: each write that changed something (revision, at, who, source api/git/rollback, from, commit, summary)")
    @APIResponse(responseCode = "200", description = "{items, next_after}", content = @Content(schema = @Schema(ref = "LogPage")))
    public Response history(@Parameter(description = "page size (default 50, at most 500)") @QueryParam("limit") Integer limit,
                            @Parameter(description = "the next_after of the previous page: only older entries") @QueryParam("after") Long after) {
        return Response.ok(AuditLog.page(store, History.FOLDER, after, limit(limit)).toString()).build();
    }

    @GET
    @Path("audit")
    @Operation(operationId = "listAudit",
            summary = "Audit log, newest first: every config write with who, what (kind/id, the paths of changed fields; never values), when and from where (client address or Git commit)")
    @APIResponse(responseCode = "200", description = "{items, next_after}", content = @Content(schema = @Schema(ref = "LogPage")))
    public Response audit(@Parameter(description = "page size (default 50, at most 500)") @QueryParam("limit") Integer limit,
                          @Parameter(description = "the next_after of the previous page: only older entries") @QueryParam("after") Long after) {
        return Response.ok(AuditLog.page(store, AuditLog.FOLDER, after, limit(limit)).toString()).build();
    }

    @POST
    @Path("rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "rollback",
            summary = "Restore the whole config as of a revision, in one transaction (a new revision, audited); 409 while GitOps applies")
    @RequestBody(required = true, content = @Content(schema = @Schema(ref = "Rollback")))
    @APIResponse(responseCode = "200", description = "the diff applied (or, for a dry run, that would be)",
            content = @Content(schema = @Schema(ref = "Diff")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response rollback(String text, @Parameter(description = ObjectResource.DRY_RUN) @QueryParam("dry_run") boolean dryRun) {
        JsonNode revision = revision(text);
        long wanted = revision != null && revision.canConvertToLong() ? revision.asLong() : 0;
        Rollback rollback = Rollback.to(wanted, dryRun, Principals.name(security), Principals.address(request), service, store,
                gitops);
        ObjectNode out = Json.changes(rollback.outcome().changes(), dryRun, rollback.outcome().revision());
        out.put("restored_revision", rollback.restored());
        return Response.ok(out.toString()).build();
    }

    /** The body's {@code revision} ({@link Json#body} would drop it: it is a server-owned field elsewhere). */
    private static JsonNode revision(String text) {
        try {
            return JSON.readTree(text == null || text.isBlank() ? "{}" : text).get("revision");
        } catch (JsonProcessingException e) {
            throw ApiProblem.invalid("malformed JSON", List.of(new ConfigError("", "malformed JSON: " + e.getOriginalMessage())));
        }
    }

    private static int limit(Integer limit) {
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            throw ApiProblem.badRequest("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        return limit == null ? DEFAULT_LIMIT : limit;
    }
}
