package stargate.model.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Reads the config the controller keeps in etcd (layout: {@code docs/etcd-layout.md}) through
 * etcd's v3 JSON gateway ({@code POST <url>/v3/kv/range}, keys and values base64), so the offline
 * tool needs no gRPC client: model/ stays Jackson only.
 *
 * <p>Each config folder ({@code routes/}, {@code upstreams/}, {@code consumers/}, {@code certificates/})
 * is one range read, and {@code global_plugins} one key, all at the revision of the first read, so
 * the result is one consistent config, as a node reads it; nothing else under the prefix (history,
 * audit, node keys) is read. Endpoints are tried in turn; the one that answered is asked first next time.
 */
final class EtcdGatewayReader {
    /** No endpoint answered: the message names each and why. */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final List<Kind> FOLDERS = List.of(Kind.ROUTE, Kind.UPSTREAM, Kind.CONSUMER, Kind.CERTIFICATE);

    private final List<String> endpoints;
    /** The index of the endpoint that answered last: asked first. */
    private int answering;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** @param urls comma-separated, e.g. {@code http://10.0.0.1:2379,http://10.0.0.2:2379} */
    EtcdGatewayReader(String urls) {
        this.endpoints = Arrays.stream(urls.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                .map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("--etcd needs at least one URL");
        }
    }

    /**
     * @param prefix e.g. {@code /stargate}
     * @return the config, or every value that does not read, with its key
     */
    Validated<GatewayConfig> read(String prefix) throws Unreachable {
        String root = prefix.endsWith("/") ? prefix : prefix + "/";
        Map<Kind, List<Object>> objects = new LinkedHashMap<>();
        List<ConfigError> errors = new ArrayList<>();
        long revision = 0; // 0 = the newest; then the revision of the first read
        for (Kind kind : FOLDERS) {
            JsonNode answer = range(root + kind.key() + "/", true, revision);
            revision = answer.path("header").path("revision").asLong();
            objects.put(kind, objects(kind, answer, errors));
        }
        List<Object> plugins = objects(Kind.GLOBAL_PLUGINS, range(root + Kind.GLOBAL_PLUGINS.key(), false, revision), errors);
        if (!errors.isEmpty()) {
            return Validated.invalid(errors);
        }
        @SuppressWarnings("unchecked")
        Map<String, JsonNode> globalPlugins = plugins.isEmpty() ? Map.of() : (Map<String, JsonNode>) plugins.get(0);
        return Validated.valid(new GatewayConfig(typed(objects.get(Kind.ROUTE), Route.class),
                typed(objects.get(Kind.UPSTREAM), Upstream.class), typed(objects.get(Kind.CONSUMER), Consumer.class),
                typed(objects.get(Kind.CERTIFICATE), Certificate.class), globalPlugins));
    }

    /** Each value is {@code {"meta": {...}, "spec": <object>}}; {@code meta} is the controller's and ignored. */
    private static List<Object> objects(Kind kind, JsonNode answer, List<ConfigError> errors) {
        List<Object> out = new ArrayList<>();
        for (JsonNode kv : answer.path("kvs")) {
            String key = decode(kv.path("key").asText());
            JsonNode spec;
            try {
                spec = JSON.readTree(decode(kv.path("value").asText())).path("spec");
            } catch (IOException e) {
                spec = null;
            }
            if (spec == null || !spec.isObject()) {
                errors.add(new ConfigError(key, "expected {\"meta\": {...}, \"spec\": {...}}"));
                continue;
            }
            Validated<Object> object = ConfigCodec.readObject(kind, spec.toString());
            if (object.isValid()) {
                out.add(object.value());
            } else {
                object.errors().forEach(e -> errors.add(new ConfigError(e.path().isEmpty() ? key : key + ": " + e.path(),
                        e.message())));
            }
        }
        return out;
    }

    /**
     * @param wholeFolder read every key starting with {@code key}, else only {@code key} itself
     * @param revision    0 = the newest
     */
    private JsonNode range(String key, boolean wholeFolder, long revision) throws Unreachable {
        ObjectNode body = JSON.createObjectNode().put("key", encode(key.getBytes(StandardCharsets.UTF_8)));
        if (wholeFolder) {
            body.put("range_end", encode(prefixEnd(key.getBytes(StandardCharsets.UTF_8))));
        }
        if (revision > 0) {
            body.put("revision", revision);
        }
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (answering + i) % endpoints.size();
            String endpoint = endpoints.get(index);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/v3/kv/range"))
                        .timeout(TIMEOUT).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    answering = index;
                    return JSON.readTree(response.body());
                }
                failures.add(endpoint + " answered HTTP " + response.statusCode());
            } catch (ConnectException e) {
                failures.add(endpoint + ": cannot connect"); // its message is empty
            } catch (IOException | IllegalArgumentException e) {
                failures.add(endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted");
            }
        }
        throw new Unreachable("etcd unreachable (" + String.join("; ", failures) + ")");
    }

    /** The range end that covers every key starting with {@code prefix}: its last byte plus one. */
    private static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        end[end.length - 1]++; // keys end in '/' here, never 0xff
        return end;
    }

    private static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static <T> List<T> typed(List<Object> objects, Class<T> type) {
        return objects.stream().map(type::cast).toList();
    }
}
