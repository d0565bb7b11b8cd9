package stargate.controller.api;

import jakarta.enterprise.context.RequestScoped;
import io.helidon.webserver.http.ServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
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
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Snapshot;
import stargate.controller.rollout.Rollouts;
import stargate.controller.write.ConfigService;
import stargate.model.rollout.RolloutPolicy;
import stargate.model.codec.ConfigCodec;

/**
 * {@code /api/v1/config}: the whole config at once, as a config file holds it (YAML or JSON),
 * secrets masked on export. Sending the masks back keeps the stored secrets, so an export
 * re-imports unchanged. The ETag of the whole config is the revision of its last write.
 */
@Path("config")
@RequestScoped
@Tag(name = "config", description = "The whole config at once: export, atomic replace, validate with a diff")
public class ConfigResource {
    private static final List<String> YAML_TYPES = List.of("application/yaml", "application/x-yaml", "text/yaml");

    @Inject
    ConfigService service;
    @Inject
    EtcdStore store;
    @Inject
    Rollouts rollouts;
    @Context
    SecurityContext security;
    @Context
    ServerRequest request;
    @Context
    HttpHeaders headers;

    @GET
    @Produces({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    @Operation(operationId = "exportConfig",
            summary = "Export the whole config (JSON, or YAML by Accept), secrets masked; streamed as read "
                + "from etcd at one revision (X-Stargate-Revision)")
    @APIResponse(responseCode = "200", description = "the config file",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "GatewayConfig")),
                       @Content(mediaType = "application/yaml", schema = @Schema(ref = "GatewayConfig"))})
    public Response export() {
        boolean yaml = headers.getAcceptableMediaTypes().stream()
                .filter(t -> !t.isWildcardType()).findFirst()
                .map(t -> YAML_TYPES.contains(t.getType() + "/" + t.getSubtype())).orElse(false);
        ConfigCodec.Format format = yaml ? ConfigCodec.Format.YAML : ConfigCodec.Format.JSON;
        Snapshot head = store.head(); // before the status is sent: an etcd outage is still a 503
        return Response.ok(new ConfigExport(store, head.revision(), format),
                        yaml ? "application/yaml" : MediaType.APPLICATION_JSON)
                .header("ETag", Json.etag(head.fenceRevision()))
                .header("X-Stargate-Revision", head.revision()).build();
    }

    @PUT
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "replaceConfig",
            summary = "Replace the whole config in one etcd transaction, validated as a whole")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "GatewayConfig")),
            @Content(mediaType = "application/yaml", schema = @Schema(ref = "GatewayConfig"))})
    @APIResponse(responseCode = "200", description = "the diff applied (or, for a dry run, that would be)",
            content = @Content(schema = @Schema(ref = "Diff")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    public Response replace(String text,
                            @Parameter(description = "the ETag of GET /config") @HeaderParam("If-Match") String ifMatch,
                            @Parameter(description = ObjectResource.DRY_RUN) @QueryParam("dry_run") boolean dryRun,
                            @Parameter(description = ObjectResource.ROLLOUT) @QueryParam("rollout") String rollout,
                            @Parameter(description = ObjectResource.ROLLOUT_POLICY) @QueryParam("rollout_policy")
                            String rolloutPolicy) {
        RolloutPolicy policy = rollouts.policyFor(rollout, rolloutPolicy);
        if (policy == null || dryRun) {
            return write(text, Json.ifMatch(ifMatch), dryRun);
        }
        ConfigService.Outcome outcome = outcome(text, Json.ifMatch(ifMatch), true);
        return ObjectResource.rolloutStarted(rollouts, outcome, policy, Principals.actor(security, request));
    }

    @POST
    @Path("validate")
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "validateConfig",
            summary = "Validate a whole config and answer the diff against etcd; writes nothing (= PUT ?dry_run=true)")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "GatewayConfig")),
            @Content(mediaType = "application/yaml", schema = @Schema(ref = "GatewayConfig"))})
    @APIResponse(responseCode = "200", description = "valid; the diff it would make", content = @Content(schema = @Schema(ref = "Diff")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Response validate(String text) {
        return write(text, null, true);
    }

    private Response write(String text, Long ifMatch, boolean dryRun) {
        ConfigService.Outcome outcome = outcome(text, ifMatch, dryRun);
        return Response.ok(Json.changes(outcome.changes(), dryRun, outcome.revision()).toString())
                .type(MediaType.APPLICATION_JSON).build();
    }

    private ConfigService.Outcome outcome(String text, Long ifMatch, boolean dryRun) {
        MediaType type = headers.getMediaType();
        boolean yaml = type != null && YAML_TYPES.contains(type.getType() + "/" + type.getSubtype());
        return WholeConfig.write(service, text, yaml ? ConfigCodec.Format.YAML : ConfigCodec.Format.JSON,
                ifMatch, dryRun, Principals.actor(security, request));
    }
}
