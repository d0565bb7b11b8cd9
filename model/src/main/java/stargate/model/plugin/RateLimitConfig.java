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
 */
public record RateLimitConfig(Integer rate, Duration per, Integer burst, String key) implements PluginConfig {
    public static final String NAME = "rate-limit";
    static final int MAX_BURST = 1_000_000;
    private static final String HEADER_KEY = "header:";

    public RateLimitConfig {
        per = per == null ? Duration.ofSeconds(1) : per;
        burst = burst == null ? 0 : burst;
        key = key == null ? "route" : key;
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
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<RateLimitConfig> {
        public Schema() {
            super(NAME, RateLimitConfig.class);
        }
    }
}
