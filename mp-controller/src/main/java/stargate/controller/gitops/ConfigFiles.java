package stargate.controller.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * The config a commit declares: every {@code *.yaml} file under the config path, each a config
 * file of its own (SPEC §3), merged into one. Design: read each file with the codec (its errors
 * keep their file), then concatenate the lists in file-path order while indexing every object by
 * {@code kind/id} to its file and place: an id declared twice (in two files, or twice in one) is an
 * error naming both places, and the index later maps a validation error of the merged config
 * ({@code routes[7].upstream}) back to the file and path the author wrote ({@code routes/b.yaml},
 * {@code routes[1].upstream}). O(total objects).
 */
final class ConfigFiles {
    private static final Pattern LISTED = Pattern.compile("(routes|upstreams|consumers|certificates)\\[(\\d+)](.*)");
    private static final Pattern PLUGIN = Pattern.compile("global_plugins\\.([^.\\[]+)(.*)");

    /** Where an object was declared: the file, and its path in that file ({@code routes[0]}). */
    record Origin(String file, String path) {
    }

    /**
     * An error as status shows it.
     *
     * @param file the file in the repository; null for an error in an object the API owns
     */
    record FileError(String file, String path, String message) {
    }

    /**
     * @param config  the merged config (valid only if {@code errors} is empty)
     * @param origins {@code kind/id} (and {@code global_plugins/<name>}) to where it was declared
     * @param errors  read and merge errors, with their files
     */
    record Declared(GatewayConfig config, Map<String, Origin> origins, List<FileError> errors) {
        boolean declares(Kind kind, String id) {
            return origins.containsKey(kind.key() + "/" + id);
        }

        /**
         * Maps errors of a config built around this one back to their files: objects this commit
         * declares to their file and path, others (API-owned objects kept beside them) stay config-wide.
         */
        List<FileError> locate(List<ConfigError> errors, GatewayConfig validated) {
            List<FileError> out = new ArrayList<>();
            for (ConfigError e : errors) {
                Origin origin = null;
                String rest = "";
                Matcher listed = LISTED.matcher(e.path());
                Matcher plugin = PLUGIN.matcher(e.path());
                if (listed.matches()) {
                    String id = idAt(validated, listed.group(1), Integer.parseInt(listed.group(2)));
                    origin = id == null ? null : origins.get(listed.group(1) + "/" + id);
                    rest = listed.group(3);
                } else if (plugin.matches()) {
                    origin = origins.get(Kind.GLOBAL_PLUGINS.key() + "/" + plugin.group(1));
                    rest = plugin.group(2);
                }
                out.add(origin == null ? new FileError(null, e.path(), e.message())
                        : new FileError(origin.file(), origin.path() + rest, e.message()));
            }
            return out;
        }
    }

    private ConfigFiles() {
    }

    /** @param files path in the repository to text, in path order */
    static Declared merge(Map<String, String> files) {
        List<Route> routes = new ArrayList<>();
        List<Upstream> upstreams = new ArrayList<>();
        List<Consumer> consumers = new ArrayList<>();
        List<Certificate> certificates = new ArrayList<>();
        Map<String, JsonNode> plugins = new LinkedHashMap<>();
        Map<String, Origin> origins = new LinkedHashMap<>();
        List<FileError> errors = new ArrayList<>();
        files.forEach((file, text) -> {
            Validated<GatewayConfig> read = ConfigCodec.readConfig(text, ConfigCodec.Format.YAML);
            if (!read.isValid()) {
                read.errors().forEach(e -> errors.add(new FileError(file, e.path(), e.message())));
                return;
            }
            GatewayConfig c = read.value();
            add(Kind.ROUTE, c.routes(), Route::id, routes, file, origins, errors);
            add(Kind.UPSTREAM, c.upstreams(), Upstream::id, upstreams, file, origins, errors);
            add(Kind.CONSUMER, c.consumers(), Consumer::id, consumers, file, origins, errors);
            add(Kind.CERTIFICATE, c.certificates(), Certificate::id, certificates, file, origins, errors);
            c.globalPlugins().forEach((name, config) -> {
                String path = Kind.GLOBAL_PLUGINS.key() + "." + name;
                Origin first = origins.putIfAbsent(Kind.GLOBAL_PLUGINS.key() + "/" + name, new Origin(file, path));
                if (first != null) {
                    errors.add(new FileError(file, path, "global plugin \"" + name + "\" is also configured in "
                            + first.file() + " (" + first.path() + ")"));
                } else {
                    plugins.put(name, config);
                }
            });
        });
        return new Declared(new GatewayConfig(routes, upstreams, consumers, certificates, plugins), origins, errors);
    }

    private static <T> void add(Kind kind, List<T> objects, java.util.function.Function<T, String> id, List<T> into,
                                String file, Map<String, Origin> origins, List<FileError> errors) {
        for (int i = 0; i < objects.size(); i++) {
            T object = objects.get(i);
            String path = kind.key() + "[" + i + "]";
            Origin first = id.apply(object) == null ? null
                    : origins.putIfAbsent(kind.key() + "/" + id.apply(object), new Origin(file, path));
            if (first != null) {
                errors.add(new FileError(file, path + ".id", kind.key().substring(0, kind.key().length() - 1) + " \""
                        + id.apply(object) + "\" is also declared in " + first.file() + " (" + first.path() + ")"));
            } else {
                into.add(object);
            }
        }
    }

    private static String idAt(GatewayConfig config, String list, int index) {
        List<String> ids = switch (list) {
            case "routes" -> config.routes().stream().map(Route::id).toList();
            case "upstreams" -> config.upstreams().stream().map(Upstream::id).toList();
            case "consumers" -> config.consumers().stream().map(Consumer::id).toList();
            default -> config.certificates().stream().map(Certificate::id).toList();
        };
        return index < ids.size() ? ids.get(index) : null;
    }
}
