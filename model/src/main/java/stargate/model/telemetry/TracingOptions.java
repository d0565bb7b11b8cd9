package stargate.model.telemetry;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how spans are exported (SPEC §17). Flags win over the standard OpenTelemetry variables, which
 * are read as the OpenTelemetry SDK's autoconfiguration reads them (the subset below); a variable set to a
 * value this gateway cannot honour is refused, never ignored.
 *
 * <ul>
 *   <li>{@code --otlp-endpoint URL}, else {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (used as given), else
 *       {@code OTEL_EXPORTER_OTLP_ENDPOINT}; none: tracing off. With http/protobuf, a URL whose path is not
 *       {@code /v1/traces} gets it appended (the collector's base URL is enough).</li>
 *   <li>{@code --otlp-protocol grpc|http/protobuf}, else {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}, else
 *       {@code OTEL_EXPORTER_OTLP_PROTOCOL}; default grpc.</li>
 *   <li>{@code --trace-sample-rate 0..1}, else {@code OTEL_TRACES_SAMPLER_ARG}; default 1. Sampling is
 *       parent-based: a request whose {@code traceparent} says sampled (or not) is traced (or not) as its
 *       caller decided; only new traces are sampled at this rate. {@code OTEL_TRACES_SAMPLER} may name
 *       {@code parentbased_traceidratio}, {@code parentbased_always_on} or {@code parentbased_always_off}.</li>
 *   <li>{@code --service-name}, else {@code OTEL_SERVICE_NAME}, else {@code service.name} in
 *       {@code OTEL_RESOURCE_ATTRIBUTES}, else the component's default.</li>
 *   <li>{@code OTEL_RESOURCE_ATTRIBUTES} ({@code k=v,...}) and {@code OTEL_EXPORTER_OTLP_TRACES_HEADERS} /
 *       {@code OTEL_EXPORTER_OTLP_HEADERS} (e.g. an authorization header for a hosted collector).</li>
 *   <li>{@code OTEL_EXPORTER_OTLP_TRACES_TIMEOUT} / {@code OTEL_EXPORTER_OTLP_TIMEOUT}: milliseconds one export
 *       may take (default 10000); past it the batch's spans are dropped and counted.</li>
 *   <li>{@code OTEL_SDK_DISABLED=true} or {@code OTEL_TRACES_EXPORTER=none} turn tracing off.</li>
 * </ul>
 *
 * @param endpoint           where spans go, the exact URL the exporter uses; null = tracing off
 * @param protocol           how
 * @param sampleRate         share of new traces recorded, 0..1
 * @param serviceName        the {@code service.name} resource attribute
 * @param headers            extra export request headers
 * @param resourceAttributes extra resource attributes
 * @param exportTimeout      how long one export may take
 */
public record TracingOptions(URI endpoint,
                             Protocol protocol,
                             double sampleRate,
                             String serviceName,
                             Map<String, String> headers,
                             Map<String, String> resourceAttributes,
                             Duration exportTimeout) {

    /** The flags this record reads, for the components' flag lists. */
    public static final java.util.List<String> FLAGS =
            java.util.List.of("otlp-endpoint", "otlp-protocol", "trace-sample-rate", "service-name");

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** OTLP transport. */
    public enum Protocol {
        GRPC("grpc"), HTTP_PROTOBUF("http/protobuf");

        private final String text;

        Protocol(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    public TracingOptions {
        headers = Map.copyOf(headers);
        resourceAttributes = Map.copyOf(resourceAttributes);
    }

    /** Tracing off: no endpoint. */
    public static TracingOptions off(String serviceName) {
        return new TracingOptions(null, Protocol.GRPC, 1, serviceName, Map.of(), Map.of(), DEFAULT_TIMEOUT);
    }

    public boolean enabled() {
        return endpoint != null;
    }

    /**
     * @param flags              flag name (without {@code --}) to value; only {@link #FLAGS} are read
     * @param env                the process environment
     * @param defaultServiceName {@code stargate-node} or {@code stargate-controller}
     * @throws IllegalArgumentException naming the flag or variable whose value is wrong
     */
    public static TracingOptions parse(Map<String, String> flags, Map<String, String> env, String defaultServiceName) {
        Map<String, String> resource = keyValues(env.get("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
        String serviceName = first(flags.get("service-name"), env.get("OTEL_SERVICE_NAME"), resource.remove("service.name"),
                defaultServiceName);
        checkServiceName(serviceName);
        String disabled = env.get("OTEL_SDK_DISABLED");
        String exporter = env.get("OTEL_TRACES_EXPORTER");
        if (exporter != null && !exporter.isBlank() && !exporter.trim().equals("otlp") && !exporter.trim().equals("none")) {
            throw new IllegalArgumentException("OTEL_TRACES_EXPORTER: only otlp or none, got \"" + exporter + "\"");
        }
        String flagEndpoint = blankToNull(flags.get("otlp-endpoint"));
        if (flagEndpoint == null && ("true".equalsIgnoreCase(trim(disabled)) || "none".equals(trim(exporter)))) {
            return off(serviceName);
        }
        Protocol protocol = protocol(flags.get("otlp-protocol"), env);
        double rate = sampleRate(flags.get("trace-sample-rate"), env);
        String tracesEndpoint = blankToNull(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        String baseEndpoint = blankToNull(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        URI endpoint;
        if (flagEndpoint != null) {
            endpoint = endpoint(flagEndpoint, "--otlp-endpoint", protocol == Protocol.HTTP_PROTOBUF);
        } else if (tracesEndpoint != null) {
            endpoint = endpoint(tracesEndpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", false);
        } else if (baseEndpoint != null) {
            endpoint = endpoint(baseEndpoint, "OTEL_EXPORTER_OTLP_ENDPOINT", protocol == Protocol.HTTP_PROTOBUF);
        } else {
            return new TracingOptions(null, protocol, rate, serviceName, Map.of(), resource, DEFAULT_TIMEOUT);
        }
        Map<String, String> headers = keyValues(env.get("OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS");
        headers.putAll(keyValues(env.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), "OTEL_EXPORTER_OTLP_TRACES_HEADERS"));
        return new TracingOptions(endpoint, protocol, rate, serviceName, headers, resource, timeout(env));
    }

    private static Duration timeout(Map<String, String> env) {
        String name = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
        String raw = blankToNull(env.get(name));
        if (raw == null) {
            name = "OTEL_EXPORTER_OTLP_TIMEOUT";
            raw = blankToNull(env.get(name));
        }
        if (raw == null) {
            return DEFAULT_TIMEOUT;
        }
        try {
            long millis = Long.parseLong(raw.trim());
            if (millis >= 1 && millis <= 600_000) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(name + " must be milliseconds from 1 to 600000, got \"" + raw + "\"");
    }

    private static Protocol protocol(String flag, Map<String, String> env) {
        String name = "--otlp-protocol";
        String raw = blankToNull(flag);
        if (raw == null) {
            name = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
            raw = blankToNull(env.get(name));
        }
        if (raw == null) {
            name = "OTEL_EXPORTER_OTLP_PROTOCOL";
            raw = blankToNull(env.get(name));
        }
        if (raw == null) {
            return Protocol.GRPC;
        }
        for (Protocol p : Protocol.values()) {
            if (p.text.equals(raw.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException(name + " must be grpc or http/protobuf, got \"" + raw + "\"");
    }

    private static double sampleRate(String flag, Map<String, String> env) {
        String sampler = trim(env.get("OTEL_TRACES_SAMPLER"));
        String name = "--trace-sample-rate";
        String raw = blankToNull(flag);
        if (raw == null && sampler != null && !sampler.isEmpty()) {
            switch (sampler) {
                case "parentbased_always_on" -> raw = "1";
                case "parentbased_always_off" -> raw = "0";
                case "parentbased_traceidratio" -> {
                    name = "OTEL_TRACES_SAMPLER_ARG";
                    raw = blankToNull(env.get(name));
                }
                default -> throw new IllegalArgumentException("OTEL_TRACES_SAMPLER: sampling is parent-based here: "
                        + "parentbased_traceidratio, parentbased_always_on or parentbased_always_off, got \""
                        + sampler + "\"");
            }
        } else if (raw == null) {
            name = "OTEL_TRACES_SAMPLER_ARG";
            raw = blankToNull(env.get(name));
        }
        if (raw == null) {
            return 1;
        }
        double rate;
        try {
            rate = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be a number from 0 to 1, got \"" + raw + "\"");
        }
        return rate;
    }

    /** An http(s) URL with a host and no credentials, query or fragment (they would end up in logs). */
    private static URI endpoint(String raw, String name, boolean appendTracesPath) {
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + ": not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an http:// or https:// URL with a host, got \"" + raw + "\"");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(name + " must not carry credentials, a query or a fragment "
                    + "(headers go in OTEL_EXPORTER_OTLP_HEADERS)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (appendTracesPath && !path.endsWith("/v1/traces")) {
            path = path.replaceAll("/+$", "") + "/v1/traces";
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    /** {@code k1=v1,k2=v2} with percent-encoded values (the OpenTelemetry environment variable format). */
    private static Map<String, String> keyValues(String raw, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isBlank()) {
            return out;
        }
        for (String pair : raw.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? "" : pair.substring(0, eq).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException(name + ": expected key=value pairs separated by commas");
            }
            String value;
            try {
                value = URLDecoder.decode(pair.substring(eq + 1).trim().replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": bad percent-encoding in the value of " + key);
            }
            for (int i = 0; i < value.length(); i++) {
                if (value.charAt(i) < 0x20 || value.charAt(i) == 0x7f) {
                    throw new IllegalArgumentException(name + ": a control character in the value of " + key);
                }
            }
            out.put(key, value);
        }
        return out;
    }

    private static void checkServiceName(String name) {
        if (name.isBlank() || name.length() > 255 || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("--service-name must be 1 to 255 printable ASCII characters without "
                    + "spaces, got \"" + name + "\"");
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String trim(String value) {
        return value == null ? null : value.trim();
    }
}
