package stargate.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import stargate.controller.audit.Actor;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.Meta;
import stargate.controller.store.Secrets;
import stargate.controller.store.ConfigView;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StoredObject;
import stargate.controller.rollout.Rollouts;
import stargate.controller.write.ConfigService;
import stargate.model.rollout.RolloutPolicy;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;

/**
 * CRUD on one kind of object ({@code /routes}, {@code /upstreams}, {@code /consumers},
 * {@code /certificates}); one subclass per kind fixes the path and the kind. Every write goes
 * through {@link ConfigService#writeObject}: validated against what it touches, committed with the
 * writes pending beside it in one fenced transaction. OpenAPI: the shared operations name the schema {@code KindObject};
 * {@link OpenApiKinds} rewrites it to the kind's own schema per path.
 *
 * <p>The subclasses are application-scoped: one instance serves every request, and the {@code @Context}
 * fields are per-request proxies (who writes and from where stay per request: AuthApiTest). Building a
 * request-scoped resource per call cost a quarter of a write's CPU (bench/admin-writes.sh, 16 writers:
 * 413 → 551 writes/s).
 */
@Produces(MediaType.APPLICATION_JSON)
public abstract class ObjectResource {
    static final String DRY_RUN = "answer the diff this write would make, and write nothing";
    static final String ROLLOUT = "canary: do not write to the config; serve the change on canary nodes first, and "
            + "promote it after the bake unless they do worse than the others (docs/rollout.md); answers 202 and the rollout";
    static final String ROLLOUT_POLICY = "with rollout: the policy as JSON, e.g. {\"bake\": \"5m\", \"canary_percent\": 20}; "
            + "keys left out take the controller's defaults";
    /** Objects in a list page when the request names no {@code limit}. */
    static final int DEFAULT_LIMIT = 500;
    /** The largest page: ~1 KiB an object in JSON, so a page stays a few MiB of heap. */
    static final int MAX_LIMIT = 5000;
    private final Kind kind;

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

    ObjectResource(Kind kind) {
        this.kind = kind;
    }

    @GET
    @Operation(summary = "List the objects of this kind in id order, a page at a time (?limit, ?continue); "
            + "every page of one list is read at the first page's revision")
    @APIResponse(responseCode = "200", description = "{items, count, revision, continue}",
            content = @Content(schema = @Schema(ref = "KindList")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "410", ref = "Gone")
    public Response list(@Parameter(description = "page size (default " + DEFAULT_LIMIT + ", at most " + MAX_LIMIT + ")",
                                     schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "" + MAX_LIMIT,
                                             defaultValue = "" + DEFAULT_LIMIT))
                         @QueryParam("limit") String limit,
                         @Parameter(description = "the continue value of the previous page")
                         @QueryParam(ContinueToken.PARAM) String token) {
        int size = limit(limit);
        ContinueToken from = token == null ? null : ContinueToken.decode(token, kind);
        EtcdStore.Page page;
        try {
            page = store.page(kind, from == null ? null : from.after(), size, from == null ? 0 : from.revision());
        } catch (EtcdStore.RevisionUnavailable e) {
            if (e.compacted()) {
                throw ApiProblem.gone("continue-expired", "the revision this list was read at (" + from.revision()
                        + ") was compacted in etcd; list again from the first page");
            }
            throw ApiProblem.badRequest("invalid continue token: its revision is in the future",
                    List.of(new ConfigError(ContinueToken.PARAM, "revision " + from.revision() + " does not exist")));
        }
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("items");
        page.items().forEach(o -> items.add(Json.view(o)));
        out.put("count", items.size());
        out.put("revision", page.revision());
        if (page.more()) {
            out.put(ContinueToken.PARAM, new ContinueToken(kind, page.revision(), page.lastId()).encode());
        }
        return Response.ok(out.toString()).header("ETag", Json.etag(page.revision())).build();
    }

    /** @throws ApiProblem 400 unless absent or a whole number in 1..{@value #MAX_LIMIT} */
    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiProblem.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT,
                List.of(new ConfigError("limit", "not a whole number from 1 to " + MAX_LIMIT + ": " + limit)));
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Read one object; its ETag is its revision")
    @APIResponse(responseCode = "200", description = "the object, secrets masked",
            content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response get(@PathParam("id") String id) {
        StoredObject o = store.object(kind, Json.id(id), 0)
                .orElseThrow(() -> ApiProblem.notFound("no " + kind.key() + " object \"" + id + "\""));
        return Response.ok(Json.view(o).toString()).header("ETag", Json.etag(o.modRevision())).build();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an object (its id in the body); 409 when the id exists")
    @RequestBody(required = true, content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "201", description = "created", content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "200", description = "dry run: the diff", content = @Content(schema = @Schema(ref = "Diff")))
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    public Response create(String text, @Parameter(description = DRY_RUN) @QueryParam("dry_run") boolean dryRun,
                           @Parameter(description = ROLLOUT) @QueryParam("rollout") String rollout,
                           @Parameter(description = ROLLOUT_POLICY) @QueryParam("rollout_policy") String rolloutPolicy,
                           @Context UriInfo uri) {
        RolloutPolicy policy = rollouts.policyFor(rollout, rolloutPolicy);
        ObjectNode body = Json.body(text);
        JsonNode given = body.get("id");
        if (given == null || !given.isTextual()) {
            throw ApiProblem.invalid("an object to create needs its id", List.of(new ConfigError("id", "required")));
        }
        String id = Json.id(given.asText());
        Object incoming = Json.bind(kind, body, id);
        ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id), null,
                dryRun || policy != null, actor(), view -> {
                    if (view.get(kind, id).isPresent()) {
                        throw ApiProblem.conflict(kind.key() + " object \"" + id + "\" exists; PUT replaces it", List.of());
                    }
                    return ObjectWrites.replace(view, kind, id, incoming);
                });
        if (dryRun) {
            return Json.dryRun(outcome);
        }
        if (policy != null) {
            return rolloutStarted(outcome, policy);
        }
        return written(outcome, id, Response.created(uri.getAbsolutePathBuilder().path(id).build()));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or replace an object; with If-Match, only if its revision is still that")
    @RequestBody(required = true, content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "200", description = "the object as written, or the diff of a dry run",
            content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    public Response put(@PathParam("id") String id, String text,
                        @Parameter(description = "an ETag of this object") @HeaderParam("If-Match") String ifMatch,
                        @Parameter(description = DRY_RUN) @QueryParam("dry_run") boolean dryRun,
                        @Parameter(description = ROLLOUT) @QueryParam("rollout") String rollout,
                        @Parameter(description = ROLLOUT_POLICY) @QueryParam("rollout_policy") String rolloutPolicy) {
        Json.id(id);
        RolloutPolicy policy = rollouts.policyFor(rollout, rolloutPolicy);
        Object incoming = Json.bind(kind, Json.body(text), id);
        ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id), Json.ifMatch(ifMatch),
                dryRun || policy != null, actor(), view -> ObjectWrites.replace(view, kind, id, incoming));
        return answer(outcome, dryRun, policy, () -> written(outcome, id, Response.ok()));
    }

    @PATCH
    @Path("{id}")
    @Consumes({"application/merge-patch+json", MediaType.APPLICATION_JSON})
    @Operation(summary = "Change some fields of an object (RFC 7396 JSON merge patch: null removes a field)")
    @RequestBody(required = true, content = @Content(mediaType = "application/merge-patch+json",
            schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "200", description = "the object as written, or the diff of a dry run",
            content = @Content(schema = @Schema(ref = "KindObject")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    public Response patch(@PathParam("id") String id, String text,
                          @Parameter(description = "an ETag of this object") @HeaderParam("If-Match") String ifMatch,
                          @Parameter(description = DRY_RUN) @QueryParam("dry_run") boolean dryRun,
                          @Parameter(description = ROLLOUT) @QueryParam("rollout") String rollout,
                          @Parameter(description = ROLLOUT_POLICY) @QueryParam("rollout_policy") String rolloutPolicy) {
        Json.id(id);
        RolloutPolicy policy = rollouts.policyFor(rollout, rolloutPolicy);
        ObjectNode patch = Json.body(text);
        ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id), Json.ifMatch(ifMatch),
                dryRun || policy != null, actor(), view -> {
                    StoredObject current = view.get(kind, id)
                            .orElseThrow(() -> ApiProblem.notFound("no " + kind.key() + " object \"" + id + "\""));
                    JsonNode merged = Json.mergePatch(ConfigCodec.toTree(current.value()), patch);
                    return ObjectWrites.replace(view, kind, id, Json.bind(kind, (ObjectNode) merged, id));
                });
        return answer(outcome, dryRun, policy, () -> written(outcome, id, Response.ok()));
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete an object; 409 listing the referrers when other objects refer to it")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "200", description = "dry run: the diff", content = @Content(schema = @Schema(ref = "Diff")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    public Response delete(@PathParam("id") String id,
                           @Parameter(description = "an ETag of this object") @HeaderParam("If-Match") String ifMatch,
                           @Parameter(description = DRY_RUN) @QueryParam("dry_run") boolean dryRun,
                           @Parameter(description = ROLLOUT) @QueryParam("rollout") String rollout,
                           @Parameter(description = ROLLOUT_POLICY) @QueryParam("rollout_policy") String rolloutPolicy) {
        Json.id(id);
        RolloutPolicy policy = rollouts.policyFor(rollout, rolloutPolicy);
        ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id), Json.ifMatch(ifMatch),
                dryRun || policy != null, actor(), view -> ObjectWrites.remove(view, kind, id));
        return answer(outcome, dryRun, policy, () -> Response.noContent().build());
    }

    /** A dry run's diff, a started rollout (the write was a dry run too), or the write's own answer. */
    private Response answer(ConfigService.Outcome outcome, boolean dryRun, RolloutPolicy policy,
                            java.util.function.Supplier<Response> written) {
        if (dryRun) {
            return Json.dryRun(outcome);
        }
        return policy != null ? rolloutStarted(outcome, policy) : written.get();
    }

    private Response rolloutStarted(ConfigService.Outcome outcome, RolloutPolicy policy) {
        return rolloutStarted(rollouts, outcome, policy, actor());
    }

    /** 202 with the rollout of a write's (dry run's) changes. */
    static Response rolloutStarted(Rollouts rollouts, ConfigService.Outcome outcome, RolloutPolicy policy, Actor actor) {
        ObjectNode started = rollouts.start(outcome.changes(), outcome.baseRevision(), policy, actor);
        return Response.status(Response.Status.ACCEPTED).entity(started.toString())
                .header("Location", "/api/v1/rollouts/" + started.path("id").asText()).build();
    }

    private Response written(ConfigService.Outcome outcome, String id, Response.ResponseBuilder response) {
        if (outcome.changes().isEmpty()) { // nothing changed: answer the object as it is
            StoredObject same = outcome.current();
            return response.entity(Json.view(same).toString()).header("ETag", Json.etag(same.modRevision())).build();
        }
        Object value = outcome.changes().stream().filter(c -> c.kind() == kind && c.id().equals(id))
                .findFirst().orElseThrow().after();
        Meta meta = outcome.metas().get(kind.key() + "/" + id);
        return response.entity(Json.view(value, meta, outcome.revision()).toString())
                .header("ETag", Json.etag(outcome.revision())).build();
    }

    Actor actor() {
        return Principals.actor(security, request);
    }
}
