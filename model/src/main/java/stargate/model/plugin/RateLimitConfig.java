package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * {@code rate-limit}: at most {@code rate} requests per {@code per} for each key, plus a
 * {@code burst} allowance; beyond it, 429 with {@code Retry-After} and {@code RateLimit-*} headers.
 *
 * @param rate  requests allowed per {@code per}; required, at least 1
 * @param per   the window the rate is counted over; default 1s; greater than 0
 * @param burst extra requests allowed above the rate in a burst; default 0; 0..1000000
 * @param key   what is limited separately: {@code route} (default), {@code ip}, {@code consumer}
 *              or {@code header:NAME} (one limit per value of header NAME)
 * @param policy where requests are counted: {@code local} (default, each node apart) or {@code cluster}
 *              (in Redis, across every node; the node needs {@code --redis}, SPEC §15)
 * @param faultTolerant with {@code policy: cluster}, when Redis is unreachable or slow: true (default)
 *              counts on the node's local bucket at the same rate, false answers 503
 */
public record RateLimitConfig(Integer rate, Duration per, Integer burst, String key, String policy,
                              Boolean faultTolerant) implements PluginConfig {
    public static final String NAME = "rate-limit";
    static final int MAX_BURST = 1_000_000;
    public static final String LOCAL = "local";
    public static final String CLUSTER = "cluster";
    private static final String HEADER_KEY = "header:";

    public RateLimitConfig {
        per = per == null ? Duration.ofSeconds(1) : per;
        burst = burst == null ? 0 : burst;
        key = key == null ? "route" : key;
        policy = policy == null ? LOCAL : policy;
        faultTolerant = faultTolerant == null ? Boolean.TRUE : faultTolerant;
    }

    /** Whether requests are counted in Redis, across every node. */
    public boolean cluster() {
        return policy.equals(CLUSTER);
    }

    public static RateLimitConfig from(JsonNode config) {
        return PluginConfigs.read(config, RateLimitConfig.class);
    }

    /** For {@code key: header:NAME}, NAME; else null. */
    public String keyHeader() {
        return key.startsWith(HEADER_KEY) ? key.substring(HEADER_KEY.length()) : null;
    }

    @Override
    public void check(ConfigProblems problems) {
        if (problems.required("rate", rate) && rate < 1) {
            problems.add("rate", "must be at least 1, got " + rate);
        }
        problems.positive("per", per);
        problems.range("burst", burst, 0, MAX_BURST);
        if (keyHeader() != null) {
            HttpSyntax.headerName(problems, "key", keyHeader());
        } else if (!key.equals("route") && !key.equals("ip") && !key.equals("consumer")) {
            problems.add("key", "expected route, ip, consumer or header:NAME, got \"" + key + "\"");
        }
        if (!policy.equals(LOCAL) && !policy.equals(CLUSTER)) {
            problems.add("policy", "expected local or cluster, got \"" + policy + "\"");
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<RateLimitConfig> {
        public Schema() {
            super(NAME, RateLimitConfig.class);
        }
    }
}
