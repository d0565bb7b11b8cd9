package stargate.model.codec;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads and writes the config as YAML (files, Git) and JSON (API bodies, etcd values).
 *
 * <p>Reading parses the text to a tree, then binds it to the records in one pass that reports
 * every error with its path ({@code routes[2].timeouts.read: expected a duration like 500ms, 2s,
 * 1m, 1h, got "5 seconds"}). Malformed text is one error located by line and column. Keys are
 * snake_case, exactly as SPEC §3 writes them; unknown keys are errors. Reading does not check
 * meaning (ids, references, ranges): that is {@link stargate.model.validate.ConfigValidator}.
 *
 * <p>Writing leaves out every value that equals its default, so {@code read(write(x))} equals
 * {@code x} for every model object, in both formats. All methods are thread-safe.
 */
public final class ConfigCodec {
    /** The two text forms of a config. */
    public enum Format {
        YAML, JSON;

        /** {@code *.json} is JSON; anything else ({@code .yaml}, {@code .yml}) is YAML. */
        public static Format ofFileName(String fileName) {
            return fileName.toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /**
     * SnakeYAML refuses documents over 3 Mi code points by default (a guard against billion-laughs
     * style input); a standalone file may hold up to 100 MiB (SPEC §21), aliases are refused anyway.
     */
    static final int MAX_YAML_CODE_POINTS = 128 * 1024 * 1024;
    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .loaderOptions(loaderOptions())
                    .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();
    /** Quotes every string: the fallback when minimal quoting would be misread (see {@link #writeYaml}). */
    private static final YAMLMapper YAML_QUOTED = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    /** {@code Map<String, JsonNode>}, the type of {@link GatewayConfig#globalPlugins()}. */
    private static final Type PLUGIN_MAP = Arrays.stream(GatewayConfig.class.getRecordComponents())
            .filter(c -> c.getName().equals("globalPlugins")).findFirst().orElseThrow().getGenericType();

    private ConfigCodec() {
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_YAML_CODE_POINTS);
        return options;
    }

    /**
     * Reads a whole config from a stream without holding its text or its whole tree (files up to
     * 100 MiB, SPEC §21): see {@link ConfigStreamReader}. Every reading error has its path; those of
     * an object in a list also say the line it starts on; malformed text is one error with its line
     * and column.
     *
     * @param in closed when done
     */
    public static StreamedConfig stream(Reader in, Format format) {
        try (in) {
            return new ConfigStreamReader(format == Format.JSON ? JSON : YAML, format).read(in);
        } catch (JsonProcessingException e) {
            return new StreamedConfig(null, List.of(syntaxError(e, format)), java.util.Map.of(), java.util.Set.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #stream}, as a config or its reading errors. */
    public static Validated<GatewayConfig> readConfig(Reader in, Format format) {
        StreamedConfig read = stream(in, format);
        return read.errors().isEmpty() ? Validated.valid(read.readable()) : Validated.invalid(read.errors());
    }

    /**
     * @param text a whole config; empty text (or only comments) is the empty config
     * @return the config, or every error found, each with its path
     */
    public static Validated<GatewayConfig> readConfig(String text, Format format) {
        Validated<JsonNode> tree = readTree(text, format);
        return tree.isValid() ? readConfig(tree.value()) : Validated.invalid(tree.errors());
    }

    /** @param tree a whole config as {@link #readTree} gives it */
    public static Validated<GatewayConfig> readConfig(JsonNode tree) {
        if (tree.isMissingNode() || tree.isNull()) {
            return Validated.valid(GatewayConfig.EMPTY);
        }
        return bind(tree, GatewayConfig.class, GatewayConfig.class, "");
    }

    /**
     * Parses text to a tree without binding it, for readers that look at its parts one by one.
     *
     * @return the tree (a missing node for empty text), or the one error locating malformed text
     */
    public static Validated<JsonNode> readTree(String text, Format format) {
        try {
            if (format == Format.JSON) {
                return Validated.valid(JSON.readTree(text));
            }
            JsonNode tree = YAML.readTree(text);
            rejectAliases(text);
            return Validated.valid(tree);
        } catch (JsonProcessingException e) {
            return Validated.invalid(List.of(syntaxError(e, format)));
        }
    }

    /**
     * Reads one object as the API receives it and etcd stores it: a route, upstream, consumer or
     * certificate, or the global plugins map. Error paths are relative to the object ({@code paths[0]}).
     *
     * @return a {@link Route}, {@link Upstream}, {@link Consumer}, {@link Certificate}, or for
     *         {@link Kind#GLOBAL_PLUGINS} a {@code Map<String, JsonNode>}; or the errors
     */
    public static Validated<Object> readObject(Kind kind, String json) {
        Validated<JsonNode> tree = readTree(json, Format.JSON);
        if (!tree.isValid()) {
            return Validated.invalid(tree.errors());
        }
        return bind(tree.value(), objectType(kind), Object.class, "");
    }

    /**
     * Binds a JSON tree to any config record with the rules of the whole config: snake_case keys,
     * unknown keys are errors, durations and sizes with their units. This is how plugin configs
     * (raw {@link JsonNode}s in the model) become their typed records.
     *
     * @param path where the tree sits, prefixed to every error path ({@code routes[0].plugins.rate-limit});
     *             empty for paths relative to the tree
     */
    public static <T extends Record> Validated<T> readRecord(JsonNode tree, Class<T> type, String path) {
        return bind(tree, type, type, path);
    }

    /** @param value a {@link GatewayConfig}, one of its objects, or the global plugins map */
    public static String write(Object value, Format format) {
        JsonNode tree = TreeEncoder.encode(value);
        try {
            return format == Format.JSON ? JSON.writeValueAsString(tree) : writeYaml(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a config tree always serialises", e);
        }
    }

    /** The JSON tree {@link #write} prints, for callers that add fields of their own (e.g. {@code revision}). */
    public static JsonNode toTree(Object value) {
        return TreeEncoder.encode(value);
    }

    /**
     * YAML 1.1 reads many unquoted strings as something else ({@code 0x10}, {@code 1_000}, {@code 1e3}
     * are numbers). Minimal quoting reads best; when reading it back does not give the same tree,
     * the document is written with every string quoted instead. Writes are rare, so the extra parse is cheap.
     */
    private static String writeYaml(JsonNode tree) throws JsonProcessingException {
        String minimal = YAML.writeValueAsString(tree);
        try {
            if (YAML.readTree(minimal).equals(tree)) {
                return minimal;
            }
        } catch (JsonProcessingException misread) {
            // falls through to the fully quoted form
        }
        return YAML_QUOTED.writeValueAsString(tree);
    }

    private static Type objectType(Kind kind) {
        return switch (kind) {
            case ROUTE -> Route.class;
            case UPSTREAM -> Upstream.class;
            case CONSUMER -> Consumer.class;
            case CERTIFICATE -> Certificate.class;
            case GLOBAL_PLUGINS -> PLUGIN_MAP;
        };
    }

    private static <T> Validated<T> bind(JsonNode tree, Type type, Class<T> resultType, String path) {
        TreeBinder binder = new TreeBinder();
        Object value = binder.bind(tree, type, path);
        if (!binder.errors().isEmpty()) {
            return Validated.invalid(binder.errors());
        }
        return Validated.valid(resultType.cast(value));
    }

    /**
     * The YAML parser reads an alias ({@code *name}) as the text of its anchor's name instead of
     * the anchored value; a config using one would bind to something else than its author meant.
     */
    private static void rejectAliases(String text) throws JsonProcessingException {
        try (YAMLParser parser = (YAMLParser) YAML.createParser(text)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (parser.isCurrentAlias()) {
                    throw new JsonParseException(parser,
                            "YAML aliases (*" + parser.getText() + ") are not supported; repeat the value");
                }
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does not fail with I/O
        }
    }

    private static ConfigError syntaxError(JsonProcessingException e, Format format) {
        String problem;
        if (e instanceof MismatchedInputException && e.getOriginalMessage().startsWith("Trailing token")) {
            problem = format == Format.YAML ? "a config file holds one YAML document" : "unexpected text after the JSON value";
        } else if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
            problem = marked.getProblem();
        } else {
            problem = e.getOriginalMessage().lines().findFirst().orElse("malformed");
            int source = problem.indexOf("[Source:"); // Jackson's "(for Array starting at [Source: ...])" says nothing new
            if (source >= 0) {
                problem = problem.substring(0, problem.lastIndexOf(" (", source));
            }
        }
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return new ConfigError("", "malformed " + format + where + ": " + problem);
    }
}
