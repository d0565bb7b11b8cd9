package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * {@code traffic-split}: sends part of a route's requests to another upstream, either a share of
 * them ({@code weight}) or those that match ({@code match}); exactly one of the two. That the
 * upstream exists is checked by the validator, which knows the whole config.
 *
 * @param upstream id of the upstream that receives the split-off requests; required
 * @param weight   percent of requests sent there, 0..100
 * @param match    the requests sent there
 */
public record TrafficSplitConfig(String upstream, Integer weight, Match match) implements PluginConfig {
    public static final String NAME = "traffic-split";

    public static TrafficSplitConfig from(JsonNode config) {
        return PluginConfigs.read(config, TrafficSplitConfig.class);
    }

    /** @param headers exact header matches, all required (names case-insensitive, values exact); at least one */
    public record Match(Map<String, String> headers) {
        public Match {
            headers = PluginConfigs.orderedCopy(headers);
        }
    }

    @Override
    public void check(ConfigProblems problems) {
        problems.required("upstream", upstream);
        if (weight == null && match == null) {
            problems.add("", "set weight (percent of requests, 0..100) or match (which requests)");
        } else if (weight != null && match != null) {
            problems.add("", "set weight or match, not both");
        } else if (weight != null) {
            problems.range("weight", weight, 0, 100);
        } else if (match.headers().isEmpty()) {
            problems.add("match.headers", "at least one header to match");
        } else {
            match.headers().forEach((name, value) -> {
                HttpSyntax.headerName(problems, "match.headers." + name, name);
                HttpSyntax.headerValue(problems, "match.headers." + name, value);
            });
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<TrafficSplitConfig> {
        public Schema() {
            super(NAME, TrafficSplitConfig.class);
        }
    }
}
