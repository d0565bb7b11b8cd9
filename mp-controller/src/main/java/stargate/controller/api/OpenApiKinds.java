package stargate.controller.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Completes the generated OpenAPI document. The four object resources share their operations
 * ({@link ObjectResource}), so their annotations name placeholder schemas; this filter gives each
 * path its kind's own schema: {@code KindObject} becomes {@code Route} under {@code /api/v1/routes},
 * and {@code KindList} a page of them ({@code RouteList}); and its kind's own operationId ({@code listRoutes},
 * {@code createRoute}, {@code getRoute}, {@code replaceRoute}, {@code patchRoute}, {@code deleteRoute}:
 * the method names of generated clients). And it adds the responses every admin API operation can
 * give (503; 400 for writes; 401 and 403 where the API credentials apply; 202 and the rollout where
 * {@code ?rollout=canary} is taken), which annotations would repeat on every method. Registered with {@code mp.openapi.filter}.
 */
public class OpenApiKinds implements OASFilter {
    private static final String SCHEMAS = "#/components/schemas/";
    /** Sorted, so the document comes out the same every time (docs/openapi.json is compared with it). */
    private static final Map<String, String> SCHEMA_BY_FOLDER = new TreeMap<>(Map.of(
            "routes", "Route", "upstreams", "Upstream", "consumers", "Consumer", "certificates", "Certificate"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        SCHEMA_BY_FOLDER.values().forEach(schema -> openAPI.getComponents().addSchema(schema + "List", list(schema)));
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/api/v1/")) {
                return;
            }
            String schema = SCHEMA_BY_FOLDER.get(path.split("/")[3]);
            boolean one = path.endsWith("/{id}");
            item.getOperations().forEach((method, op) -> {
                if (schema != null) {
                    rewrite(op, schema);
                    op.setOperationId(operationId(method, one, schema));
                }
                common(op, method != PathItem.HttpMethod.GET);
            });
        });
    }

    /** A page of a kind's list: its own component, so generated clients get a named class ({@code RouteList}). */
    private static Schema list(String schema) {
        return OASFactory.createSchema().type(Schema.SchemaType.OBJECT)
                .description("a page of " + schema + " objects in id order")
                .addProperty("items", OASFactory.createSchema().type(Schema.SchemaType.ARRAY)
                        .items(OASFactory.createSchema().ref(SCHEMAS + schema)))
                .addProperty("count", OASFactory.createSchema().type(Schema.SchemaType.INTEGER)
                        .description("objects in this page"))
                .addProperty("revision", OASFactory.createSchema().type(Schema.SchemaType.INTEGER).format("int64")
                        .description("the etcd revision every page of this list is read at"))
                .addProperty("continue", OASFactory.createSchema().type(Schema.SchemaType.STRING)
                        .description("present when more objects follow: pass it as ?continue= for the next page"));
    }

    private static String operationId(PathItem.HttpMethod method, boolean one, String schema) {
        return switch (method) {
            case GET -> one ? "get" + schema : "list" + schema + "s";
            case POST -> "create" + schema;
            case PUT -> "replace" + schema;
            case PATCH -> "patch" + schema;
            case DELETE -> "delete" + schema;
            default -> throw new IllegalStateException("no operationId for " + method + " on " + schema);
        };
    }

    private static void common(Operation op, boolean write) {
        Map<String, String> refs = new LinkedHashMap<>();
        if (write) {
            refs.put("400", "BadRequest");
        }
        // An operation with its own security (the Git webhook) is not subject to the API credentials.
        if (op.getSecurity() == null) {
            refs.put("401", "Unauthorized");
            refs.put("403", "Forbidden");
        }
        refs.put("503", "EtcdUnavailable");
        refs.forEach((status, ref) -> {
            if (op.getResponses().getAPIResponse(status) == null) {
                op.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().ref(ref));
            }
        });
        boolean canRollOut = op.getParameters() != null
                && op.getParameters().stream().anyMatch(p -> "rollout".equals(p.getName()));
        if (canRollOut && op.getResponses().getAPIResponse("202") == null) {
            op.getResponses().addAPIResponse("202", OASFactory.createAPIResponse()
                    .description("rollout=canary: the rollout that started (its URL in Location); the config is "
                            + "not written until it is promoted")
                    .content(OASFactory.createContent().addMediaType("application/json",
                            OASFactory.createMediaType().schema(OASFactory.createSchema().ref(SCHEMAS + "Rollout")))));
        }
    }

    private static void rewrite(Operation op, String schema) {
        if (op.getRequestBody() != null) {
            rewrite(op.getRequestBody().getContent(), schema);
        }
        if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
            op.getResponses().getAPIResponses().values().forEach(r -> rewrite(r.getContent(), schema));
        }
    }

    private static void rewrite(Content content, String schema) {
        if (content == null || content.getMediaTypes() == null) {
            return;
        }
        content.getMediaTypes().values().forEach(media -> {
            Schema s = media.getSchema();
            if (s == null || s.getRef() == null) {
                return;
            }
            if (s.getRef().equals(SCHEMAS + "KindObject")) {
                media.setSchema(OASFactory.createSchema().ref(SCHEMAS + schema));
            } else if (s.getRef().equals(SCHEMAS + "KindList")) {
                media.setSchema(OASFactory.createSchema().ref(SCHEMAS + schema + "List"));
            }
        });
    }
}
