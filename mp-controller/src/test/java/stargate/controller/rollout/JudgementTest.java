package stargate.controller.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.controller.problem.ApiProblem;
import stargate.model.rollout.LatencyBuckets;
import stargate.model.rollout.Rollout;
import stargate.model.rollout.RolloutPolicy;

/** The verdicts of the bake loop and the choice of canaries, from node keys as nodes write them. */
class JudgementTest {
    private static final RolloutPolicy POLICY = new RolloutPolicy(Map.of("canary", "true"), 50, Duration.ofSeconds(3),
            0.01, 0.5, 100);
    private static final Rollout ROLLOUT = new Rollout("r-000001", Rollout.State.BAKING, POLICY, 1, List.of("n1"), List.of(),
            Instant.now(), "test", null, null, null, null);

    /** A node key whose requests all took {@code millis}. */
    private static String key(String role, long requests, long errors, double millis) {
        long[] counts = new long[LatencyBuckets.SIZE];
        counts[LatencyBuckets.bucket((long) (millis * 1_000_000))] = requests;
        return "{\"labels\": {}, \"generation\": {\"rollout\": \"r-000001\", \"role\": \"" + role + "\", \"requests\": " + requests
                + ", \"errors_5xx\": " + errors + ", \"latency_counts\": " + Arrays.toString(counts) + "}}";
    }

    private static Judgement judge(String canary, String... baselines) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("n1", canary);
        for (int i = 0; i < baselines.length; i++) {
            keys.put("b" + i, baselines[i]);
        }
        keys.put("other", "{\"generation\": {\"rollout\": \"r-000000\", \"role\": \"canary\", \"requests\": 9999, \"errors_5xx\": 9999}}");
        keys.put("garbage", "not json");
        return Judgement.of(ROLLOUT, keys);
    }

    @Test
    void fewerThanMinRequestsIsNoVerdictWhateverTheFigures() {
        Judgement j = judge(key("canary", 99, 99, 900), key("baseline", 1000, 0, 1));
        assertFalse(j.enough());
        assertNull(j.breach());
    }

    @Test
    void errorsAreJudgedAgainstTheBaselinePlusTheAllowance() {
        assertNull(judge(key("canary", 100, 2, 1), key("baseline", 100, 1, 1)).breach(), "2% against 1% + 1%");
        Judgement j = judge(key("canary", 100, 3, 1), key("baseline", 50, 1, 1), key("baseline", 50, 0, 1));
        assertEquals("canary 5xx rate 3.00% (3 of 100) exceeds the baseline's 1.00% + max_error_rate 1.00%", j.breach());
        assertEquals(2, j.baseline().nodes());
        assertEquals(100, j.baseline().requests());
    }

    @Test
    void latencyIsJudgedOnTheMergedHistogramsAboveTheFloor() {
        Judgement slow = judge(key("canary", 100, 0, 40), key("baseline", 100, 0, 20));
        assertEquals("canary p99 50.0 ms exceeds the baseline's 25.0 ms + max_p99_increase 50.00%", slow.breach());
        assertNull(judge(key("canary", 100, 0, 45), key("baseline", 100, 0, 30)).breach(), "same bucket");
        assertNull(judge(key("canary", 100, 0, 0.4), key("baseline", 100, 0, 0.1)).breach(), "below the floor: buckets, not news");
        assertNull(judge(key("canary", 100, 0, 40), key("baseline", 99, 0, 20)).breach(), "a baseline too small to compare");
    }

    @Test
    void canariesAreTheFirstPercentOfTheMatchingNodesByAStableHash() {
        Map<String, String> nodes = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            nodes.put("n" + i, "{\"labels\": {\"canary\": \"" + (i < 4) + "\"}}");
        }
        List<String> chosen = Rollouts.canaries(POLICY, nodes, "r-000001");
        assertEquals(2, chosen.size(), "50% of the 4 candidates");
        assertTrue(chosen.stream().allMatch(id -> Integer.parseInt(id.substring(1)) < 4), chosen.toString());
        assertEquals(chosen, Rollouts.canaries(POLICY, nodes, "r-000001"), "stable for a rollout");
        RolloutPolicy tiny = new RolloutPolicy(Map.of(), 1, Duration.ofSeconds(3), 0.01, 0.5, 100);
        assertEquals(1, Rollouts.canaries(tiny, nodes, "r-000002").size(), "at least one");
        RolloutPolicy nobody = new RolloutPolicy(Map.of("zone", "mars"), 10, Duration.ofSeconds(3), 0.01, 0.5, 100);
        assertEquals(409, assertThrows(ApiProblem.class, () -> Rollouts.canaries(nobody, nodes, "r-000003")).status());
    }
}
