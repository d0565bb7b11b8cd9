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
 * @param owner     who manages it: {@link #API} (created through the admin API) or {@link #GIT}
 *                  (created by a GitOps apply: in the inventory, so GitOps may prune it)
 * @param gitCommit the commit whose GitOps apply last wrote it; null if none did
 */
public record Meta(Instant createdAt, Instant updatedAt, String updatedBy, String owner, String gitCommit) {
    public static final String API = "api";
    public static final String GIT = "git";

    /**
     * Meta for a write at {@code now} by {@code principal} through the API; keeps the creation
     * time, the owner and the commit of {@code previous} (an API edit of a Git-owned object is
     * drift, not a change of owner).
     */
    public static Meta written(Meta previous, Instant now, String principal) {
        return previous == null ? new Meta(now, now, principal, API, null)
                : new Meta(previous.createdAt(), now, principal, previous.owner(), previous.gitCommit());
    }

    /** Meta for a GitOps apply of {@code commit}: the object is Git-owned from now on. */
    public static Meta applied(Meta previous, Instant now, String principal, String commit) {
        return new Meta(previous == null ? now : previous.createdAt(), now, principal, GIT, commit);
    }

    public boolean gitOwned() {
        return GIT.equals(owner);
    }

    ObjectNode toTree() {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        meta.put("created_at", createdAt.toString());
        meta.put("updated_at", updatedAt.toString());
        meta.put("updated_by", updatedBy);
        meta.put("owner", owner);
        if (gitCommit != null) {
            meta.put("git_commit", gitCommit);
        }
        return meta;
    }

    /** Lenient: a value written by another tool (or an older controller) without some field still reads. */
    static Meta fromTree(JsonNode meta) {
        Instant created = instant(meta.path("created_at"));
        Instant updated = instant(meta.path("updated_at"));
        JsonNode commit = meta.path("git_commit");
        return new Meta(created, updated == null ? created : updated, meta.path("updated_by").asText("unknown"),
                meta.path("owner").asText(API), commit.isTextual() ? commit.asText() : null);
    }

    private static Instant instant(JsonNode text) {
        return text.isTextual() ? Instant.parse(text.asText()) : Instant.EPOCH;
    }
}
