package stargate.controller.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.RequestScoped;
import io.helidon.webserver.http.ServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Meta;
import stargate.controller.write.ConfigService;
import stargate.model.Kind;

/** {@code /api/v1/global-plugins}: the plugins that run on every route, one object per config. */
@Path("global-plugins")
@RequestScoped
@Tag(name = "global-plugins", description = "Global plugins: plugins that run on every route")
@Produces(MediaType.APPLICATION_JSON)
public class GlobalPluginsResource {
    private static final ConfigService.Focus FOCUS = new ConfigService.Focus(Kind.GLOBAL_PLUGINS, "");

    @Inject
    ConfigService service;
    @Inject
    EtcdStore store;
    @Context
    SecurityContext security;
    @Context
    ServerRequest request;

    @GET
    @Operation(operationId = "getGlobalPlugins",
            summary = "The global plugins, by plugin name; {} when none")
    @APIResponse(responseCode = "200", description = "plugin name to config, plus the server-owned fields",
            content = @Content(schema = @Schema(ref = "GlobalPlugins")))
    public Response get() {
        return store.object(Kind.GLOBAL_PLUGINS, "", 0)
                .map(o -> Response.ok(Json.view(o).toString()).header("ETag", Json.etag(o.modRevision())))
                .orElseGet(() -> Response.ok(Json.object().put("revision", 0).toString()).header("ETag", Json.etag(0)))
                .build();
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "replaceGlobalPlugins",
            summary = "Replace the global plugins ({} removes them all)")
    @RequestBody(required = true, content = @Content(schema = @Schema(ref = "GlobalPlugins")))
    @APIResponse(responseCode = "200", description = "as written, or the diff of a dry run",
            content = @Content(schema = @Schema(ref = "GlobalPlugins")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    public Response put(String text, @Parameter(description = "the ETag of GET") @HeaderParam("If-Match") String ifMatch,
                        @Parameter(description = ObjectResource.DRY_RUN) @QueryParam("dry_run") boolean dryRun) {
        Object plugins = ObjectWrites.bindGlobalPlugins(text);
        ConfigService.Outcome outcome = service.writeObject(FOCUS, Json.ifMatch(ifMatch), dryRun,
                Principals.actor(security, request), view -> ObjectWrites.replace(view, Kind.GLOBAL_PLUGINS, "", plugins));
        if (dryRun) {
            return Json.dryRun(outcome);
        }
        Meta meta = outcome.metas().get(Kind.GLOBAL_PLUGINS.key() + "/");
        if (meta == null || ((Map<?, ?>) plugins).isEmpty()) { // unchanged, or removed
            return get();
        }
        return Response.ok(Json.view(plugins, meta, outcome.revision()).toString())
                .header("ETag", Json.etag(outcome.revision())).build();
    }
}
