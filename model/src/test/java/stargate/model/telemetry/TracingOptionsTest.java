package stargate.model.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tracing flags over the {@code OTEL_*} variables (SPEC §17): defaults, precedence, refusals. */
class TracingOptionsTest {
    private static TracingOptions parse(Map<String, String> flags, Map<String, String> env) {
        return TracingOptions.parse(flags, env, "stargate-node");
    }

    @Test
    void noEndpointIsOffWithTheDefaults() {
        TracingOptions options = parse(Map.of(), Map.of());
        assertFalse(options.enabled());
        assertEquals("stargate-node", options.serviceName());
        assertEquals(1.0, options.sampleRate());
        assertEquals(TracingOptions.Protocol.GRPC, options.protocol());
    }

    @Test
    void flagsWinOverTheStandardVariables() {
        TracingOptions options = parse(
                Map.of("otlp-endpoint", "http://flag:4318", "otlp-protocol", "http/protobuf",
                        "trace-sample-rate", "0.5", "service-name", "edge"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                        "OTEL_TRACES_SAMPLER_ARG", "0.1", "OTEL_SERVICE_NAME", "env-name"));
        assertEquals("http://flag:4318/v1/traces", options.endpoint().toString(), "a base URL gets the traces path");
        assertEquals(TracingOptions.Protocol.HTTP_PROTOBUF, options.protocol());
        assertEquals(0.5, options.sampleRate());
        assertEquals("edge", options.serviceName());
    }

    @Test
    void theStandardVariablesAloneConfigureExport() {
        TracingOptions options = parse(Map.of(), Map.of(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector.example:4318/custom/path",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf",
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.25",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource,deployment.environment=prod",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc",
                "OTEL_EXPORTER_OTLP_TIMEOUT", "2500"));
        assertEquals("https://collector.example:4318/custom/path", options.endpoint().toString(),
                "the traces endpoint is used as given");
        assertEquals(0.25, options.sampleRate());
        assertEquals("from-resource", options.serviceName());
        assertEquals(Map.of("deployment.environment", "prod"), options.resourceAttributes());
        assertEquals(Map.of("authorization", "Bearer abc"), options.headers());
        assertEquals(Duration.ofMillis(2500), options.exportTimeout());
        assertEquals(0.0, parse(Map.of("otlp-endpoint", "http://c:4317"),
                Map.of("OTEL_TRACES_SAMPLER", "parentbased_always_off")).sampleRate());
    }

    @Test
    void theSdkCanBeSwitchedOffUnlessAFlagAsksForExport() {
        Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4317", "OTEL_SDK_DISABLED", "true");
        assertFalse(parse(Map.of(), env).enabled());
        assertFalse(parse(Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4317",
                "OTEL_TRACES_EXPORTER", "none")).enabled());
        assertTrue(parse(Map.of("otlp-endpoint", "http://flag:4317"), env).enabled());
    }

    @ParameterizedTest
    @ValueSource(strings = {"collector:4317", "ftp://collector", "http://user:secret@collector:4317",
                            "http://collector:4317/?token=x", "http://collector:4317/#f", "http:///nohost", "http://a b"})
    void anEndpointThatIsNotAPlainHttpUrlIsRefused(String endpoint) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of("otlp-endpoint", endpoint), Map.of()));
        assertTrue(e.getMessage().startsWith("--otlp-endpoint"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "credentials are not echoed: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.1", "1.5", "NaN", "half", ""})
    void aSampleRateOutside0To1IsRefused(String rate) {
        if (rate.isEmpty()) {
            assertEquals(1.0, parse(Map.of("trace-sample-rate", rate), Map.of()).sampleRate(), "blank: the default");
            return;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of("trace-sample-rate", rate), Map.of()));
        assertTrue(e.getMessage().contains("--trace-sample-rate"), e.getMessage());
    }

    @Test
    void badValuesNameWhatIsWrong() {
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("otlp-protocol", "http/json"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("service-name", "two words"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), Map.of("OTEL_TRACES_SAMPLER", "always_on")));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), Map.of("OTEL_TRACES_EXPORTER", "zipkin")));
        IllegalArgumentException header = assertThrows(IllegalArgumentException.class, () -> parse(
                Map.of("otlp-endpoint", "http://c:4317"), Map.of("OTEL_EXPORTER_OTLP_HEADERS", "x=a%0d%0aInjected: 1")));
        assertTrue(header.getMessage().contains("control character"), "no header injection: " + header.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse(
                Map.of("otlp-endpoint", "http://c:4317"), Map.of("OTEL_EXPORTER_OTLP_TIMEOUT", "0")));
    }
}
