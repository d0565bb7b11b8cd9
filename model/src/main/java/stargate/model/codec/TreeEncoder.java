package stargate.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import stargate.model.WireName;

/**
 * Writes config records as a Jackson tree, the mirror image of {@link TreeBinder}.
 *
 * <p>Design: a record component is written only when it differs from the record's "absent"
 * instance (see {@link RecordShape#absent()}), i.e. from the default the constructor would give it.
 * Reading the output back therefore passes null for exactly the omitted components, which the
 * constructor turns into the same defaults: the round trip is exact by construction, and the
 * output shows only what someone chose. O(size of the config).
 */
final class TreeEncoder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TreeEncoder() {
    }

    static JsonNode encode(Object value) {
        if (value instanceof JsonNode json) {
            return json.deepCopy();
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Duration d) {
            return NODES.textNode(Units.formatDuration(d));
        }
        if (value instanceof ByteSize size) {
            return NODES.textNode(size.toString());
        }
        if (value instanceof WireName w) {
            return NODES.textNode(w.wire());
        }
        if (value instanceof List<?> list) {
            ArrayNode out = NODES.arrayNode(list.size());
            list.forEach(v -> out.add(encode(v)));
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode out = NODES.objectNode();
            map.forEach((k, v) -> out.set(k.toString(), encode(v)));
            return out;
        }
        if (value != null && value.getClass().isRecord()) {
            return encodeRecord(value);
        }
        throw new IllegalArgumentException("not a config value: " + value);
    }

    private static ObjectNode encodeRecord(Object record) {
        RecordShape shape = RecordShape.of(record.getClass());
        ObjectNode out = NODES.objectNode();
        for (RecordShape.Field field : shape.fields()) {
            Object value = field.read(record);
            if (value != null && !Objects.equals(value, field.read(shape.absent()))) {
                out.set(field.key(), encode(value));
            }
        }
        return out;
    }
}
