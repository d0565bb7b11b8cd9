package stargate.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import stargate.model.WireName;
import stargate.model.validate.ConfigError;

/**
 * Binds a Jackson tree to the config records, collecting every error with its path instead of
 * stopping at the first.
 *
 * <p>Design: one generic walk driven by the target's Java type. A record is an object whose keys
 * are its components' names in snake_case ({@code stripPrefix} is {@code strip_prefix}); other
 * keys are errors. Supported leaves are String, int/Integer, double/Double, boolean/Boolean,
 * {@link Duration} and {@link ByteSize} (see {@link Units}), {@link WireName} enums and raw {@link JsonNode} (plugin
 * configs, validated later by their plugin). Containers are {@code List<T>} and
 * {@code Map<String, T>}. An absent or {@code null} record component is passed as null to the
 * canonical constructor, which applies the default. A record with an error below it is not
 * constructed (null is returned), but its siblings are still bound, so one pass reports
 * everything. Cost: one visit per tree node, O(size of the document).
 */
final class TreeBinder {
    /** Longest string shared between objects of one read (host names, methods, upstream ids). */
    private static final int CANONICAL_MAX_LENGTH = 64;
    private final List<ConfigError> errors = new ArrayList<>();
    private final Map<String, String> strings = new java.util.HashMap<>();

    List<ConfigError> errors() {
        return errors;
    }

    /**
     * @param path where the node sits, the prefix of every error path
     * @return the bound value, or null when the node is absent or had errors (then {@link #errors()} says why)
     */
    Object bind(JsonNode node, Type type, String path) {
        return bind(node, type, new Where(null, path, -1));
    }

    /**
     * Where a value sits, made into text only for an error: most values have none, and a path string
     * per value would be a million short-lived strings at 100,000 routes.
     *
     * @param key   the map key or record key below {@code parent}, or the whole path when parent is null
     * @param index the list position below {@code parent} when key is null
     */
    private record Where(Where parent, String key, int index) {
        Where child(String name) {
            return new Where(this, name, -1);
        }

        Where element(int position) {
            return new Where(this, null, position);
        }

        @Override
        public String toString() {
            if (parent == null) {
                return key;
            }
            String above = parent.toString();
            return key == null ? above + "[" + index + "]" : TreeBinder.child(above, key);
        }
    }

    private Object bind(JsonNode node, Type type, Where path) {
        if (type instanceof ParameterizedType generic) {
            Class<?> raw = (Class<?>) generic.getRawType();
            Type[] arguments = generic.getActualTypeArguments();
            Type element = arguments[arguments.length - 1]; // List<T>: T; Map<String, T>: T
            if (raw == List.class) {
                return bindList(node, element, path);
            }
            if (raw == Map.class) {
                return bindMap(node, element, path);
            }
            throw new IllegalArgumentException("unsupported config type " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c == JsonNode.class) {
            return node;
        }
        if (c == ByteSize.class) {
            return bindSize(node, path);
        }
        if (c.isRecord()) {
            return bindRecord(node, c, path);
        }
        if (c == String.class) {
            // YAML reads `on: [502]` as a number; a string field takes any scalar as its text.
            return node.isValueNode() && !node.isNull() ? canonical(node.asText()) : fail(path, "expected a string, got " + describe(node));
        }
        if (c == int.class || c == Integer.class) {
            if (!node.isIntegralNumber()) {
                return fail(path, "expected an integer, got " + describe(node));
            }
            return node.canConvertToInt() ? node.intValue() : fail(path, "number too large: " + node);
        }
        if (c == double.class || c == Double.class) {
            return node.isNumber() ? node.doubleValue() : fail(path, "expected a number, got " + describe(node));
        }
        if (c == boolean.class || c == Boolean.class) {
            return node.isBoolean() ? node.booleanValue() : fail(path, "expected true or false, got " + describe(node));
        }
        if (c == Duration.class) {
            return bindDuration(node, path);
        }
        if (c.isEnum() && WireName.class.isAssignableFrom(c)) {
            return bindWireName(node, c, path);
        }
        throw new IllegalArgumentException("unsupported config type " + c);
    }

    private Object bindRecord(JsonNode node, Class<?> type, Where path) {
        if (!node.isObject()) {
            return fail(path, "expected a map, got " + describe(node));
        }
        RecordShape shape = RecordShape.of(type);
        Set<String> keys = shape.keys();
        int errorsBefore = errors.size();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!keys.contains(name)) {
                errors.add(new ConfigError(path.toString(), unknownKey(name, keys)));
            }
        }
        Object[] args = new Object[shape.fields().size()];
        for (int i = 0; i < args.length; i++) {
            RecordShape.Field field = shape.fields().get(i);
            JsonNode child = node.get(field.key());
            if (child != null && !child.isNull()) {
                args[i] = bind(child, field.genericType(), path.child(field.key()));
            }
        }
        if (errors.size() > errorsBefore) {
            return null;
        }
        try {
            return shape.construct(args);
        } catch (IllegalArgumentException e) {
            return fail(path, e.getMessage());
        }
    }

    private Object bindList(JsonNode node, Type element, Where path) {
        if (!node.isArray()) {
            return fail(path, "expected a list, got " + describe(node));
        }
        List<Object> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(bind(node.get(i), element, path.element(i)));
        }
        return out;
    }

    private Object bindMap(JsonNode node, Type value, Where path) {
        if (!node.isObject()) {
            return fail(path, "expected a map, got " + describe(node));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), bind(e.getValue(), value, path.child(e.getKey())));
        }
        return out;
    }

    private Object bindDuration(JsonNode node, Where path) {
        if (!node.isTextual()) {
            return fail(path, Units.DURATION_EXPECTED + ", got " + describe(node));
        }
        try {
            return Units.parseDuration(node.textValue());
        } catch (IllegalArgumentException e) {
            return fail(path, e.getMessage());
        }
    }

    /** A size is text with a unit ({@code 64KiB}) or a bare number of bytes ({@code 512} or {@code "512"}). */
    private Object bindSize(JsonNode node, Where path) {
        if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= 0) {
            return new ByteSize(node.longValue());
        }
        if (!node.isTextual()) {
            return fail(path, Units.SIZE_EXPECTED + ", got " + describe(node));
        }
        try {
            return new ByteSize(Units.parseSize(node.textValue()));
        } catch (IllegalArgumentException e) {
            return fail(path, e.getMessage());
        }
    }

    private Object bindWireName(JsonNode node, Class<?> type, Where path) {
        for (Object constant : type.getEnumConstants()) {
            if (node.isTextual() && ((WireName) constant).wire().equals(node.textValue())) {
                return constant;
            }
        }
        String choices = Arrays.stream(type.getEnumConstants())
                .map(k -> ((WireName) k).wire()).collect(Collectors.joining(", "));
        return fail(path, "expected one of " + choices + ", got " + describe(node));
    }

    /**
     * One String per distinct short value within a read: 100,000 routes naming 100 upstreams, a few
     * hosts and methods then hold 100 strings, not 100,000 (each is 40 to 60 bytes).
     */
    String canonical(String value) {
        if (value.length() > CANONICAL_MAX_LENGTH) {
            return value;
        }
        String known = strings.putIfAbsent(value, value);
        return known == null ? value : known;
    }

    private Object fail(Where path, String message) {
        errors.add(new ConfigError(path.toString(), message));
        return null;
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Names a value in a message: {@code "5 seconds"}, {@code 5}, {@code true}, {@code a list}, {@code a map}, {@code null}. */
    static String describe(JsonNode node) {
        if (node.isMissingNode()) {
            return "nothing";
        }
        if (node.isTextual()) {
            return "\"" + node.textValue() + "\"";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.isObject() ? "a map" : node.toString();
    }

    /** {@code unknown key "stripPrefix" (did you mean "strip_prefix"?)} when only case, '-' or '_' differ. */
    private static String unknownKey(String name, Set<String> keys) {
        String loose = loose(name);
        return keys.stream().filter(k -> loose(k).equals(loose)).findFirst()
                .map(k -> "unknown key \"" + name + "\" (did you mean \"" + k + "\"?)")
                .orElse("unknown key \"" + name + "\"");
    }

    private static String loose(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(java.util.Locale.ROOT);
    }
}
