package stargate.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Server-owned facts about a stored object, kept beside its spec in the etcd value. The object's
 * revision is not stored: it is the key's mod revision.
 *
 * @param createdAt when the object was first written
 * @param updatedAt when it was last written
 * @param updatedBy the principal that last wrote it ({@code anonymous} without auth)
 */
public record Meta(Instant createdAt, Instant updatedAt, String updatedBy) {

    /** Meta for a write at {@code now} by {@code principal}; keeps the creation time of {@code previous}. */
    public static Meta written(Meta previous, Instant now, String principal) {
        return new Meta(previous == null ? now : previous.createdAt(), now, principal);
    }

    ObjectNode toTree() {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        meta.put("created_at", createdAt.toString());
        meta.put("updated_at", updatedAt.toString());
        meta.put("updated_by", updatedBy);
        return meta;
    }

    /** Lenient: a value written by another tool without some field still reads. */
    static Meta fromTree(JsonNode meta) {
        Instant created = instant(meta.path("created_at"));
        Instant updated = instant(meta.path("updated_at"));
        return new Meta(created, updated == null ? created : updated, meta.path("updated_by").asText("unknown"));
    }

    private static Instant instant(JsonNode text) {
        return text.isTextual() ? Instant.parse(text.asText()) : Instant.EPOCH;
    }
}
