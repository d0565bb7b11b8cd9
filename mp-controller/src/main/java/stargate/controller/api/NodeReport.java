package stargate.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import stargate.controller.store.EtcdStore;

/**
 * Fleet convergence at a glance (REST's {@code GET /nodes}, gRPC's {@code ListNodes}). Each node keeps
 * its own lease-bound key ({@code <prefix>/nodes/<id>}); this answers every such record with
 * {@code lag} = the revision of the last config write minus the node's {@code applied_revision}
 * (0 = converged). Not the current etcd revision: the nodes' own key updates move that one, and a
 * converged fleet would never read 0.
 */
public final class NodeReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeReport() {
    }

    /** {@code {revision, items: [{id, applied_revision, lag, last_error, ...what the node reports}]}}. */
    public static ObjectNode fleet(EtcdStore store) {
        EtcdStore.NodeRecords records = store.nodes();
        ObjectNode out = Json.object();
        out.put("revision", records.revision());
        ArrayNode items = out.putArray("items");
        long configRevision = store.fenceRevision();
        records.records().forEach((id, text) -> items.add(node(id, text, configRevision)));
        return out;
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
