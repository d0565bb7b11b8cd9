package stargate.controller.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import stargate.model.rollout.LatencyBuckets;
import stargate.model.rollout.Rollout;
import stargate.model.rollout.RolloutPolicy;

/**
 * The figures of one rollout, summed over the node keys, and what they say. Nodes report their
 * generation's counters since they entered it (docs/rollout.md), so canary and baseline cover the
 * same window; the latency histograms are added bucket by bucket, so the p99 is the fleet's, not a
 * mean of the nodes'.
 *
 * <p>Rules, in order: with fewer than {@code min_requests} canary requests nothing is judged; a
 * canary 5xx share above the baseline's plus {@code max_error_rate} is a breach; a canary p99 above
 * the baseline's times {@code 1 + max_p99_increase} is a breach when the baseline also has
 * {@code min_requests} and either p99 reaches {@link #P99_FLOOR_MS} (below it the histogram's
 * buckets are a fraction of a millisecond apart and a bucket's step would read as +100%).
 *
 * @param canary   the canaries' figures
 * @param baseline the other nodes' figures
 * @param breach   why the canaries fail, or null
 * @param enough   whether the canaries served {@code min_requests}
 */
record Judgement(Side canary, Side baseline, String breach, boolean enough) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Below this p99 on both sides, latency is not judged. */
    static final double P99_FLOOR_MS = 5;

    /** One side's sums. */
    record Side(int nodes, long requests, long errors, long[] latency) {
        double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        double p99Millis() {
            return LatencyBuckets.p99Millis(latency);
        }

        ObjectNode toTree() {
            return JsonNodeFactory.instance.objectNode().put("nodes", nodes).put("requests", requests)
                    .put("errors_5xx", errors).put("error_rate", percent(errorRate())).put("p99_ms", p99Millis());
        }
    }

    /** Sums the node keys ({@code <prefix>/nodes/<id>} values by id) that report on {@code rollout}. */
    static Judgement of(Rollout rollout, Map<String, String> nodeRecords) {
        Sum canary = new Sum();
        Sum baseline = new Sum();
        for (String text : nodeRecords.values()) {
            JsonNode g;
            try {
                g = JSON.readTree(text).path("generation");
            } catch (java.io.IOException e) {
                continue; // a node key that does not read reports nothing
            }
            if (!rollout.id().equals(g.path("rollout").asText(null))) {
                continue;
            }
            ("canary".equals(g.path("role").asText()) ? canary : baseline).add(g);
        }
        Side c = canary.side();
        Side b = baseline.side();
        RolloutPolicy policy = rollout.policy();
        boolean enough = c.requests() >= policy.minRequests();
        String breach = null;
        if (enough && c.errorRate() > b.errorRate() + policy.maxErrorRate()) {
            breach = "canary 5xx rate " + percent(c.errorRate()) + " (" + c.errors() + " of " + c.requests()
                    + ") exceeds the baseline's " + percent(b.errorRate()) + " + max_error_rate " + percent(policy.maxErrorRate());
        } else if (enough && b.requests() >= policy.minRequests()
                && Math.max(c.p99Millis(), b.p99Millis()) >= P99_FLOOR_MS
                && c.p99Millis() > b.p99Millis() * (1 + policy.maxP99Increase())) {
            breach = "canary p99 " + c.p99Millis() + " ms exceeds the baseline's " + b.p99Millis()
                    + " ms + max_p99_increase " + percent(policy.maxP99Increase());
        }
        return new Judgement(c, b, breach, enough);
    }

    /** The figures as stored in the rollout and shown by the API. */
    ObjectNode toTree() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("canary", canary.toTree());
        out.set("baseline", baseline.toTree());
        out.put("enough_requests", enough);
        out.put("breach", breach);
        return out;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.2f%%", share * 100);
    }

    private static final class Sum {
        int nodes;
        long requests;
        long errors;
        final long[] latency = new long[LatencyBuckets.SIZE];

        void add(JsonNode g) {
            nodes++;
            requests += Math.max(0, g.path("requests").asLong());
            errors += Math.max(0, g.path("errors_5xx").asLong());
            JsonNode counts = g.path("latency_counts");
            for (int i = 0; i < latency.length && i < counts.size(); i++) {
                latency[i] += Math.max(0, counts.get(i).asLong());
            }
        }

        Side side() {
            return new Side(nodes, requests, errors, latency.clone());
        }
    }
}
