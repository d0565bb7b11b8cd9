package stargate.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * {@code /api/v1/nodes}: fleet convergence at a glance. Each node keeps its own lease-bound key
 * ({@code <prefix>/nodes/<id>}); this answers every such record with {@code lag} = the revision of the
 * last config write minus the node's {@code applied_revision} (0 = converged). Not the current etcd
 * revision: the nodes' own key updates move that one, and a converged fleet would never read 0.
 */
@Path("nodes")
@RequestScoped
@Tag(name = "nodes")
@Produces(MediaType.APPLICATION_JSON)
public class NodesResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EtcdStore store;

    @GET
    @Operation(summary = "Every registered node: its record, applied revision, lag and last error")
    @APIResponse(responseCode = "200", description = "{revision, items: [node]}", content = @Content(schema = @Schema(ref = "Nodes")))
    public Response list() {
        EtcdStore.NodeRecords records = store.nodes();
        ObjectNode out = Json.object();
        out.put("revision", records.revision());
        ArrayNode items = out.putArray("items");
        long configRevision = store.fenceRevision();
        records.records().forEach((id, text) -> items.add(node(id, text, configRevision)));
        return Response.ok(out.toString()).build();
    }

    private static ObjectNode node(String id, String text, long revision) {
        ObjectNode node = Json.object();
        node.put("id", id);
        try {
            JsonNode record = JSON.readTree(text);
            if (record instanceof ObjectNode fields) {
                node.setAll(fields);
            }
        } catch (JsonProcessingException e) {
            node.put("last_error", "the node key does not hold JSON");
        }
        JsonNode applied = node.get("applied_revision");
        if (applied != null && applied.canConvertToLong()) {
            node.put("lag", Math.max(0, revision - applied.asLong()));
        } else {
            node.putNull("lag");
        }
        if (!node.has("last_error")) {
            node.putNull("last_error");
        }
        node.put("id", id);
        return node;
    }
}
