package stargate.controller;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import stargate.model.validate.ConfigError;
import stargate.model.validate.PluginSchema;

/**
 * A plugin schema for tests only ({@code test-tag: {value: "..."}}), so the controller tests do not
 * depend on which real plugins are on the class path; its name clashes with no real plugin.
 */
public final class TestTagSchema implements PluginSchema {
    @Override
    public String name() {
        return "test-tag";
    }

    @Override
    public void validate(JsonNode config, String path, List<ConfigError> errors) {
        config.fieldNames().forEachRemaining(key -> {
            if (!key.equals("value")) {
                errors.add(new ConfigError(path + "." + key, "unknown key"));
            }
        });
        if (config.has("value") && !config.get("value").isTextual()) {
            errors.add(new ConfigError(path + ".value", "expected a string"));
        }
    }
}
