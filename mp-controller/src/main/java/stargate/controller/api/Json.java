package stargate.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Meta;
import stargate.controller.store.Secrets;
import stargate.controller.store.StoredObject;
import stargate.controller.write.ConfigService;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;
import stargate.model.diff.ConfigDiff;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * The admin API's JSON in and out: objects with their server-owned fields, diffs, request bodies.
 *
 * <p>Server-owned fields ({@link #SERVER_OWNED}) are added to every object the API returns and
 * ignored on input, so a client can PUT back exactly what it GOT.
 */
final class Json {
    static final List<String> SERVER_OWNED = List.of("created_at", "updated_at", "updated_by", "revision");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** An object as the API shows it: masked secrets, then created_at, updated_at, updated_by, revision. */
    static ObjectNode view(Object storedValue, Meta meta, long revision) {
        ObjectNode out = ((ObjectNode) ConfigCodec.toTree(Secrets.masked(storedValue))).deepCopy();
        out.put("created_at", meta.createdAt().toString());
        out.put("updated_at", meta.updatedAt().toString());
        out.put("updated_by", meta.updatedBy());
        out.put("revision", revision);
        return out;
    }

    static ObjectNode view(StoredObject o) {
        return view(o.value(), o.meta(), o.modRevision());
    }

    /** The answer to a {@code ?dry_run=true} write: 200 with the diff it would have applied. */
    static jakarta.ws.rs.core.Response dryRun(ConfigService.Outcome outcome) {
        return jakarta.ws.rs.core.Response.ok(changes(outcome.changes(), true, -1).toString()).build();
    }

    /** {@code {"dry_run", "revision", "summary", "changes": [{op, kind, id, before, after}]}}, secrets masked. */
    static ObjectNode changes(List<Change> changes, boolean dryRun, long revision) {
        ObjectNode out = object();
        out.put("dry_run", dryRun);
        if (!dryRun) {
            out.put("revision", revision);
        }
        out.put("summary", ConfigDiff.summary(changes));
        ArrayNode list = out.putArray("changes");
        for (Change c : changes) {
            ObjectNode item = list.addObject();
            item.put("op", c.op().name().toLowerCase(Locale.ROOT));
            item.put("kind", c.kind().key());
            item.put("id", c.id());
            item.set("before", c.before() == null ? null : ConfigCodec.toTree(Secrets.masked(c.before())));
            item.set("after", c.after() == null ? null : ConfigCodec.toTree(Secrets.masked(c.after())));
        }
        return out;
    }

    /**
     * Parses a request body that must be one JSON object, with server-owned fields dropped.
     *
     * @throws ApiProblem 400 when it is not JSON or not an object
     */
    static ObjectNode body(String text) {
        JsonNode tree;
        try {
            tree = text == null || text.isBlank() ? null : MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiProblem.invalid("malformed JSON", List.of(new ConfigError("", "malformed JSON" + where + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""))));
        }
        if (!(tree instanceof ObjectNode object)) {
            throw ApiProblem.invalid("the body must be a JSON object", List.of(new ConfigError("", "expected a JSON object")));
        }
        SERVER_OWNED.forEach(object::remove);
        return object;
    }

    /**
     * Binds an object body of {@code kind} whose id must be {@code id}: a body without id takes it
     * from the path; a different one is an error.
     */
    static Object bind(Kind kind, ObjectNode body, String id) {
        if (kind != Kind.GLOBAL_PLUGINS) {
            JsonNode given = body.get("id");
            if (given == null || given.isNull()) {
                body.put("id", id);
            } else if (!given.isTextual() || !given.asText().equals(id)) {
                throw ApiProblem.invalid("the id in the body differs from the id in the URL",
                        List.of(new ConfigError("id", "must be \"" + id + "\" (the id in the URL), got " + given)));
            }
        }
        Validated<Object> read = ConfigCodec.readObject(kind, body.toString());
        if (!read.isValid()) {
            throw ApiProblem.invalid("the body is not a valid " + kind.key() + " object", read.errors());
        }
        return read.value();
    }

    /** RFC 7396 JSON merge patch: objects merge recursively, null removes, anything else replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : object();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isNull()) {
                out.remove(field.getKey());
            } else {
                out.set(field.getKey(), mergePatch(out.get(field.getKey()), field.getValue()));
            }
        }
        return out;
    }

    /** @throws ApiProblem 400 unless {@code id} is a well-formed object id */
    static String id(String id) {
        if (id == null || !EtcdStore.ID.matcher(id).matches()) {
            throw ApiProblem.invalid("bad id", List.of(new ConfigError("id",
                    "must match [a-z0-9][a-z0-9._-]{0,63}, got \"" + id + "\"")));
        }
        return id;
    }

    /** {@code "42"}: an object's mod revision as a strong ETag. */
    static String etag(long revision) {
        return "\"" + revision + "\"";
    }

    /**
     * @param header an If-Match value: {@code "42"}, {@code 42} or {@code W/"42"}; null = none
     * @return the revision, or null for none
     */
    static Long ifMatch(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        value = value.startsWith("W/") ? value.substring(2) : value;
        value = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiProblem.badRequest("If-Match must be an ETag this API gave out, like \"42\"; got " + header);
        }
    }
}
