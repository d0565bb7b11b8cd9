package stargate.model.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.Validated;

/**
 * One progressive rollout as stored in {@code <prefix>/rollouts/<id>}: a config change that is not
 * in the config folders yet, the nodes that serve it meanwhile, and how it ended.
 *
 * @param id           {@code r-} and a zero-padded number; key order is creation order
 * @param state        where it stands; canaries serve the change while it is {@link State#active()}
 * @param policy       how it is judged
 * @param baseRevision the config revision the change was validated against
 * @param canaries     the node ids that serve the change while it bakes
 * @param changes      the change in storage form (secrets hashed), each {@code after} null for a removal
 * @param createdAt    when the bake started
 * @param createdBy    who asked for it
 * @param endedAt      when it ended; null while active
 * @param reason       why it ended (the numbers of a breach, who aborted); null while active
 * @param verdict      the canary and baseline figures it was judged on; null until judged
 * @param commit       the Git commit it rolls out (a GitOps apply); null for an API write
 */
public record Rollout(String id, State state, RolloutPolicy policy, long baseRevision, List<String> canaries,
                      List<Change> changes, Instant createdAt, String createdBy, Instant endedAt, String reason,
                      JsonNode verdict, String commit) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum State {
        /** Canaries serve the change; the controller watches their figures. */
        BAKING,
        /** Being written to the config folders; canaries keep serving it meanwhile. */
        PROMOTING,
        /** The change was written to the config folders: every node serves it. */
        PROMOTED,
        /** A breach (or a failed promotion) ended it; canaries went back to the config folders. */
        ROLLED_BACK,
        /** An operator ended it by hand; canaries went back. */
        ABORTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether canaries serve the change (the rollout has not ended). */
        public boolean active() {
            return this == BAKING || this == PROMOTING;
        }

        static State of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    public Rollout {
        canaries = List.copyOf(canaries);
        changes = List.copyOf(changes);
    }

    /** This rollout in state {@code to}; {@code at} is when it ended (null while it is active). */
    public Rollout moved(State to, Instant at, String why, JsonNode figures) {
        return new Rollout(id, to, policy, baseRevision, canaries, changes, createdAt, createdBy, at, why, figures, commit);
    }

    /** e.g. {@code ~1 route}. */
    public String summary() {
        return ConfigDiff.summary(changes);
    }

    /**
     * The config a canary serves: {@code base} with this change laid over it, object by object (a
     * changed object replaces the base's of the same id, or is added; a removed one goes if present),
     * so it stays meaningful when the base moved on since {@link #baseRevision}. Not validated here.
     */
    public GatewayConfig overlay(GatewayConfig base) {
        List<Change> fitted = new ArrayList<>();
        for (Change c : changes) {
            boolean exists = exists(base, c.kind(), c.id());
            if (c.after() == null) {
                if (exists) {
                    fitted.add(new Change(c.kind(), c.id(), Change.Op.REMOVED, null, null));
                }
            } else {
                fitted.add(new Change(c.kind(), c.id(), exists ? Change.Op.CHANGED : Change.Op.ADDED, null, c.after()));
            }
        }
        return ConfigDiff.apply(base, fitted);
    }

    private static boolean exists(GatewayConfig config, Kind kind, String id) {
        return switch (kind) {
            case ROUTE -> config.routes().stream().anyMatch(r -> id.equals(r.id()));
            case UPSTREAM -> config.upstreams().stream().anyMatch(u -> id.equals(u.id()));
            case CONSUMER -> config.consumers().stream().anyMatch(c -> id.equals(c.id()));
            case CERTIFICATE -> config.certificates().stream().anyMatch(c -> id.equals(c.id()));
            case GLOBAL_PLUGINS -> !config.globalPlugins().isEmpty();
        };
    }

    /** The stored form, objects included (secrets in storage form: never shown by the API as is). */
    public ObjectNode toTree() {
        ObjectNode out = header();
        ArrayNode list = out.putArray("changes");
        for (Change c : changes) {
            ObjectNode item = list.addObject().put("op", c.op().name().toLowerCase(Locale.ROOT)).put("kind", c.kind().key())
                    .put("id", c.id());
            if (c.after() != null) {
                item.set("object", ConfigCodec.toTree(c.after()));
            }
        }
        return out;
    }

    /** Everything but the objects: what the API shows ({@code changes} as {@code op kind id}). */
    public ObjectNode header() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("id", id);
        out.put("state", state.label());
        out.set("policy", policy.toTree());
        out.put("base_revision", baseRevision);
        canaries.forEach(out.putArray("canaries")::add);
        out.put("summary", summary());
        out.put("created_at", createdAt.toString());
        out.put("created_by", createdBy);
        out.put("ended_at", endedAt == null ? null : endedAt.toString());
        out.put("reason", reason);
        out.set("verdict", verdict);
        if (commit != null) {
            out.put("commit", commit);
        }
        return out;
    }

    /** Reads the stored form. @throws IllegalArgumentException when it does not read (a hand-edited key) */
    public static Rollout read(String json) {
        try {
            JsonNode t = JSON.readTree(json);
            List<String> canaries = new ArrayList<>();
            t.path("canaries").forEach(n -> canaries.add(n.asText()));
            List<Change> changes = new ArrayList<>();
            for (JsonNode item : t.path("changes")) {
                Kind kind = kind(item.path("kind").asText());
                Change.Op op = Change.Op.valueOf(item.path("op").asText().toUpperCase(Locale.ROOT));
                Object after = null;
                if (item.has("object")) {
                    Validated<Object> read = ConfigCodec.readObject(kind, item.get("object").toString());
                    if (!read.isValid()) {
                        throw new IllegalArgumentException(kind.key() + "/" + item.path("id").asText() + ": " + read.errors());
                    }
                    after = read.value();
                }
                changes.add(new Change(kind, item.path("id").asText(), op, null, after));
            }
            Validated<RolloutPolicy> policy = RolloutPolicy.read(t.get("policy"), RolloutPolicy.DEFAULTS, "policy");
            if (!policy.isValid()) {
                throw new IllegalArgumentException(policy.errors().toString());
            }
            return new Rollout(t.path("id").asText(), State.of(t.path("state").asText()), policy.value(),
                    t.path("base_revision").asLong(), canaries, changes, Instant.parse(t.path("created_at").asText()),
                    t.path("created_by").asText(), t.hasNonNull("ended_at") ? Instant.parse(t.get("ended_at").asText()) : null,
                    t.hasNonNull("reason") ? t.get("reason").asText() : null,
                    t.hasNonNull("verdict") ? t.get("verdict") : null, t.hasNonNull("commit") ? t.get("commit").asText() : null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("not a rollout record: " + e.getMessage(), e);
        }
    }

    private static Kind kind(String key) {
        for (Kind k : Kind.values()) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kind \"" + key + "\"");
    }
}
