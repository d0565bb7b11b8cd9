package stargate.controller.api;

import java.util.LinkedHashMap;
import java.util.Map;
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
 * and {@code KindList} a list of them. And it adds the responses every admin API operation can
 * give (401, 403, 503; 400 for writes), which annotations would repeat on every method.
 * Registered with {@code mp.openapi.filter}.
 */
public class OpenApiKinds implements OASFilter {
    private static final String SCHEMAS = "#/components/schemas/";
    private static final Map<String, String> SCHEMA_BY_FOLDER = Map.of(
            "routes", "Route", "upstreams", "Upstream", "consumers", "Consumer", "certificates", "Certificate");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/api/v1/")) {
                return;
            }
            String schema = SCHEMA_BY_FOLDER.get(path.split("/")[3]);
            item.getOperations().forEach((method, op) -> {
                if (schema != null) {
                    rewrite(op, schema);
                }
                common(op, method != PathItem.HttpMethod.GET);
            });
        });
    }

    private static void common(Operation op, boolean write) {
        Map<String, String> refs = new LinkedHashMap<>();
        if (write) {
            refs.put("400", "BadRequest");
        }
        refs.put("401", "Unauthorized");
        refs.put("403", "Forbidden");
        refs.put("503", "EtcdUnavailable");
        refs.forEach((status, ref) -> {
            if (op.getResponses().getAPIResponse(status) == null) {
                op.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().ref(ref));
            }
        });
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
                media.setSchema(OASFactory.createSchema().type(Schema.SchemaType.OBJECT)
                        .addProperty("items", OASFactory.createSchema().type(Schema.SchemaType.ARRAY)
                                .items(OASFactory.createSchema().ref(SCHEMAS + schema)))
                        .addProperty("count", OASFactory.createSchema().type(Schema.SchemaType.INTEGER)
                                .description("objects in this page"))
                        .addProperty("revision", OASFactory.createSchema().type(Schema.SchemaType.INTEGER)
                                .description("the etcd revision every page of this list is read at"))
                        .addProperty("continue", OASFactory.createSchema().type(Schema.SchemaType.STRING)
                                .description("present when more objects follow: pass it as ?continue= for the next page")));
            }
        });
    }
}
