package stargate.model.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import stargate.model.codec.Units;

/**
 * A small plugin schema for tests, registered with ServiceLoader from the test resources:
 * {@code rate-limit: {rate: N (required, >= 1), per: DURATION}}; other keys are errors.
 */
public final class TestRateLimitSchema implements PluginSchema {
    private static final Set<String> KEYS = Set.of("rate", "per");

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public void validate(JsonNode config, String path, List<ConfigError> errors) {
        config.fieldNames().forEachRemaining(key -> {
            if (!KEYS.contains(key)) {
                errors.add(new ConfigError(path, "unknown key \"" + key + "\""));
            }
        });
        JsonNode rate = config.get("rate");
        if (rate == null) {
            errors.add(new ConfigError(path + ".rate", "required"));
        } else if (!rate.canConvertToInt() || !rate.isIntegralNumber() || rate.intValue() < 1) {
            errors.add(new ConfigError(path + ".rate", "expected an integer of at least 1, got " + rate));
        }
        JsonNode per = config.get("per");
        if (per != null) {
            try {
                Units.parseDuration(per.asText());
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(path + ".per", e.getMessage()));
            }
        }
    }
}
