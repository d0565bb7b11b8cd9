package stargate.model.codec;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.validate.ConfigError;

/**
 * Reads a whole config from a stream, one object at a time: a 100 MiB file with 100,000 routes never
 * sits in memory as text or as one tree (SPEC §21). The parser walks the top-level map; each element of
 * {@code routes}, {@code upstreams}, {@code consumers} and {@code certificates} is read as its own small
 * tree, bound to its record at once and dropped, and its line is remembered for its errors. The other
 * top-level keys (global plugins, unknown keys) are small and bound as a whole, with the rules of
 * {@link TreeBinder}, so the messages are those of a tree read.
 *
 * <p>Memory: the records and one object's tree at a time. Short strings (host names, methods, upstream
 * ids) are shared between objects of one read ({@link TreeBinder#canonical}), which matters at 100,000
 * routes. Not thread-safe: one instance per read.
 */
final class ConfigStreamReader {
    /** The keys read element by element, in {@link Kind} order. */
    private static final List<Kind> STREAMED = List.of(Kind.ROUTE, Kind.UPSTREAM, Kind.CONSUMER, Kind.CERTIFICATE);

    private final ObjectMapper mapper;
    /** Reads one value where the parser stands and leaves the parser after it (no trailing-token check). */
    private final com.fasterxml.jackson.databind.ObjectReader values;
    private final ConfigCodec.Format format;
    private final TreeBinder binder = new TreeBinder();
    private final Map<Kind, List<Object>> objects = new EnumMap<>(Kind.class);
    private final Map<Kind, SortedMap<Integer, String>> unreadable = new EnumMap<>(Kind.class);
    private final Set<Kind> unreadableLists = EnumSet.noneOf(Kind.class);
    private final List<ConfigError> errors = new ArrayList<>();

    ConfigStreamReader(ObjectMapper mapper, ConfigCodec.Format format) {
        this.mapper = mapper;
        this.values = mapper.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.format = format;
    }

    StreamedConfig read(Reader in) throws JsonProcessingException {
        ObjectNode rest = JsonNodeFactory.instance.objectNode();
        try (JsonParser parser = aliasChecking(mapper.createParser(in))) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return done(rest); // empty text, or only comments: the empty config
            }
            if (first == JsonToken.START_OBJECT) {
                for (JsonToken t = parser.nextToken(); t == JsonToken.FIELD_NAME; t = parser.nextToken()) {
                    String key = parser.currentName();
                    JsonToken value = parser.nextToken();
                    Kind kind = streamed(key);
                    if (kind != null && value == JsonToken.START_ARRAY) {
                        list(parser, kind);
                    } else {
                        rest.set(key, values.readTree(parser));
                    }
                }
            } else {
                rest = null;
                JsonNode root = values.readTree(parser);
                errors.add(new ConfigError("", "expected a map, got " + TreeBinder.describe(root)));
            }
            if (parser.nextToken() != null) {
                throw com.fasterxml.jackson.databind.exc.MismatchedInputException.from(parser, GatewayConfig.class,
                        "Trailing token (of type " + parser.currentToken() + ") found after value");
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rest == null ? new StreamedConfig(GatewayConfig.EMPTY, errors, Map.of(), EnumSet.allOf(Kind.class))
                : done(rest);
    }

    /** Reads one list element by element; the parser is on its START_ARRAY. */
    private void list(JsonParser parser, Kind kind) throws IOException {
        List<Object> out = objects.computeIfAbsent(kind, k -> new ArrayList<>());
        Type type = type(kind);
        int index = 0;
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken(), index++) {
            int line = parser.currentTokenLocation().getLineNr();
            JsonNode element = values.readTree(parser);
            int before = binder.errors().size();
            Object value = binder.bind(element == null ? com.fasterxml.jackson.databind.node.NullNode.instance : element,
                    type, kind.key() + "[" + index + "]");
            List<ConfigError> found = binder.errors().subList(before, binder.errors().size());
            if (found.isEmpty() && value != null) {
                out.add(value);
            } else {
                if (found.isEmpty()) { // a null element: the tree binder builds a null record without an error
                    errors.add(new ConfigError(kind.key() + "[" + index + "]", "expected a map, got null" + at(line)));
                }
                for (ConfigError error : found) {
                    errors.add(new ConfigError(error.path(), error.message() + at(line)));
                }
                found.clear();
                JsonNode id = element == null ? null : element.path("id");
                unreadable.computeIfAbsent(kind, k -> new TreeMap<>())
                        .put(index, id != null && id.isValueNode() && !id.isNull() ? id.asText() : null);
            }
        }
    }

    private static String at(int line) {
        return line > 0 ? " (line " + line + ")" : "";
    }

    /** Binds the keys that were not streamed as a config of their own, then puts the streamed lists in. */
    @SuppressWarnings("unchecked")
    private StreamedConfig done(ObjectNode rest) {
        for (Kind kind : STREAMED) {
            if (rest.has(kind.key()) && !rest.get(kind.key()).isNull()) {
                unreadableLists.add(kind); // present but not a list: the binder says so below
            }
        }
        int before = binder.errors().size();
        Object bound = binder.bind(rest, GatewayConfig.class, "");
        List<ConfigError> restErrors = binder.errors().subList(before, binder.errors().size());
        errors.addAll(restErrors);
        GatewayConfig shell = bound instanceof GatewayConfig config ? config : null;
        Map<String, JsonNode> plugins = shell != null ? shell.globalPlugins() : Map.of();
        if (shell == null && rest.path(Kind.GLOBAL_PLUGINS.key()).isObject()) {
            Map<String, JsonNode> raw = new java.util.LinkedHashMap<>();
            rest.get(Kind.GLOBAL_PLUGINS.key()).properties().forEach(e -> raw.put(e.getKey(), e.getValue()));
            plugins = raw;
        }
        GatewayConfig config = new GatewayConfig(
                (List<Route>) (List<?>) objects.getOrDefault(Kind.ROUTE, List.of()),
                (List<Upstream>) (List<?>) objects.getOrDefault(Kind.UPSTREAM, List.of()),
                (List<Consumer>) (List<?>) objects.getOrDefault(Kind.CONSUMER, List.of()),
                (List<Certificate>) (List<?>) objects.getOrDefault(Kind.CERTIFICATE, List.of()),
                plugins);
        return new StreamedConfig(config, errors, unreadable, unreadableLists);
    }

    private static Kind streamed(String key) {
        for (Kind kind : STREAMED) {
            if (kind.key().equals(key)) {
                return kind;
            }
        }
        return null;
    }

    private static Type type(Kind kind) {
        return switch (kind) {
            case ROUTE -> Route.class;
            case UPSTREAM -> Upstream.class;
            case CONSUMER -> Consumer.class;
            case CERTIFICATE -> Certificate.class;
            case GLOBAL_PLUGINS -> throw new IllegalArgumentException("not streamed");
        };
    }

    /**
     * The YAML parser reads an alias ({@code *name}) as the text of its anchor's name instead of the
     * anchored value; a config using one would bind to something else than its author meant. Checked
     * on the one pass over the tokens.
     */
    private JsonParser aliasChecking(JsonParser parser) {
        if (format != ConfigCodec.Format.YAML) {
            return parser;
        }
        return new JsonParserDelegate(parser) {
            @Override
            public JsonToken nextToken() throws IOException {
                JsonToken t = delegate.nextToken();
                if (t != null && ((YAMLParser) delegate).isCurrentAlias()) {
                    throw new JsonParseException(this,
                            "YAML aliases (*" + delegate.getText() + ") are not supported; repeat the value");
                }
                return t;
            }
        };
    }
}
