package stargate.controller.api;

import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * The four object resources share their operations ({@link ObjectResource}), so their annotations
 * name placeholder schemas; this filter gives each path its kind's own schema:
 * {@code KindObject} becomes {@code Route} under {@code /api/v1/routes}, and {@code KindList} a
 * list of them. Registered with {@code mp.openapi.filter}.
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
            String[] parts = path.split("/");
            String schema = parts.length > 3 ? SCHEMA_BY_FOLDER.get(parts[3]) : null;
            if (schema != null) {
                item.getOperations().values().forEach(op -> rewrite(op, schema));
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
                        .addProperty("count", OASFactory.createSchema().type(Schema.SchemaType.INTEGER))
                        .addProperty("revision", OASFactory.createSchema().type(Schema.SchemaType.INTEGER)));
            }
        });
    }
}
