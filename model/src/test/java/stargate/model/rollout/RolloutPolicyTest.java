package stargate.model.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

class RolloutPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void keysLeftOutKeepTheDefaults() throws Exception {
        RolloutPolicy p = RolloutPolicy.read(tree("{\"bake\": \"3s\", \"max_error_rate\": \"2.5%\"}"),
                RolloutPolicy.DEFAULTS, "").orElseThrow();
        assertEquals(Duration.ofSeconds(3), p.bake());
        assertEquals(0.025, p.maxErrorRate(), 1e-9);
        assertEquals(Map.of("canary", "true"), p.canarySelector());
        assertEquals(10, p.canaryPercent());
        assertEquals(0.5, p.maxP99Increase(), 1e-9);
    }

    @Test
    void writtenFormReadsBackTheSame() throws Exception {
        RolloutPolicy p = new RolloutPolicy(Map.of("zone", "a", "canary", "yes"), 25, Duration.ofMillis(1500), 0.001, 2.0, 7);
        assertEquals(p, RolloutPolicy.read(p.toTree(), RolloutPolicy.DEFAULTS, "").orElseThrow());
        assertEquals("0.1%", p.toTree().get("max_error_rate").asText());
        assertEquals("200%", p.toTree().get("max_p99_increase").asText());
        assertEquals(100.0, RolloutPolicy.read(tree("{\"max_p99_increase\": \"10000%\"}"), RolloutPolicy.DEFAULTS, "")
                .orElseThrow().maxP99Increase(), 1e-9);
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                Arguments.of("{\"bake_time\": \"3s\"}", "p.bake_time"),
                Arguments.of("{\"bake\": \"soon\"}", "p.bake"),
                Arguments.of("{\"bake\": \"0s\"}", "p.bake"),
                Arguments.of("{\"bake\": \"48h\"}", "p.bake"),
                Arguments.of("{\"canary_percent\": 0}", "p.canary_percent"),
                Arguments.of("{\"canary_percent\": 101}", "p.canary_percent"),
                Arguments.of("{\"canary_percent\": \"10\"}", "p.canary_percent"),
                Arguments.of("{\"max_error_rate\": \"150%\"}", "p.max_error_rate"),
                Arguments.of("{\"max_error_rate\": -0.1}", "p.max_error_rate"),
                Arguments.of("{\"max_p99_increase\": \"lots\"}", "p.max_p99_increase"),
                Arguments.of("{\"max_p99_increase\": \"10001%\"}", "p.max_p99_increase"),
                Arguments.of("{\"min_requests\": 0}", "p.min_requests"),
                Arguments.of("{\"canary_selector\": {\"canary\": true}}", "p.canary_selector.canary"),
                Arguments.of("{\"canary_selector\": {\"a b\": \"x\"}}", "p.canary_selector.a b"),
                Arguments.of("{\"canary_selector\": [\"canary\"]}", "p.canary_selector"),
                Arguments.of("[1]", "p"));
    }

    @ParameterizedTest
    @MethodSource("badPolicies")
    void badPolicyIsRefusedWithItsPath(String json, String path) throws Exception {
        Validated<RolloutPolicy> read = RolloutPolicy.read(tree(json), RolloutPolicy.DEFAULTS, "p");
        assertFalse(read.isValid());
        assertEquals(List.of(path), read.errors().stream().map(ConfigError::path).toList(), read.errors().toString());
    }

    @Test
    void selectorNeedsEveryLabel() {
        RolloutPolicy p = new RolloutPolicy(Map.of("canary", "true", "zone", "a"), 10, Duration.ofSeconds(5), 0, 0, 1);
        assertTrue(p.selects(Map.of("canary", "true", "zone", "a", "extra", "x")));
        assertFalse(p.selects(Map.of("canary", "true")));
        assertFalse(p.selects(Map.of("canary", "false", "zone", "a")));
        assertTrue(new RolloutPolicy(Map.of(), 10, Duration.ofSeconds(5), 0, 0, 1).selects(Map.of()));
    }

    @Test
    void labelsParseAndBadOnesAreNamed() {
        assertEquals(Map.of("canary", "true", "zone", "eu-1"), RolloutPolicy.parseLabels("canary=true, zone=eu-1"));
        assertEquals(Map.of(), RolloutPolicy.parseLabels(""));
        for (String bad : List.of("canary", "=x", "a=", "a=b,a=c", "a=b c", "a=b,,c=d", "k=v\nx=y")) {
            assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parseLabels(bad), bad);
        }
    }

    @Test
    void p99IsTheUpperBoundOfItsBucket() {
        long[] counts = new long[LatencyBuckets.SIZE];
        counts[LatencyBuckets.bucket(100_000)] = 990;         // 0.1 ms
        counts[LatencyBuckets.bucket(40_000_000)] = 10;       // 40 ms
        assertEquals(0.25, LatencyBuckets.p99Millis(counts), 1e-9);
        counts[LatencyBuckets.bucket(40_000_000)] = 11;
        assertEquals(50.0, LatencyBuckets.p99Millis(counts), 1e-9);
        assertEquals(0, LatencyBuckets.p99Millis(new long[LatencyBuckets.SIZE]));
    }
}
