package stargate.model.plugin;

import java.time.Duration;
import java.util.List;
import stargate.model.codec.Units;
import stargate.model.validate.ConfigError;

/**
 * Where a {@link PluginConfig#check} reports problems: keys are relative to the plugin's config
 * ({@code rate}, {@code allow[2]}, {@code headers.set.X-Foo}; empty for the config as a whole) and
 * become full paths ({@code routes[0].plugins.rate-limit.rate}).
 */
public final class ConfigProblems {
    private final String path;
    private final List<ConfigError> errors;

    ConfigProblems(String path, List<ConfigError> errors) {
        this.path = path;
        this.errors = errors;
    }

    public void add(String key, String message) {
        errors.add(new ConfigError(join(path, key), message));
    }

    /** The same errors, with keys relative to {@code key} (for a nested record). */
    public ConfigProblems within(String key) {
        return new ConfigProblems(join(path, key), errors);
    }

    /** @return whether {@code value} is present (not null, not blank); reports {@code required} when it is not */
    public boolean required(String key, Object value) {
        boolean present = value != null && !(value instanceof String s && s.isBlank());
        if (!present) {
            add(key, "required");
        }
        return present;
    }

    public void range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            add(key, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    public void positive(String key, Duration value) {
        if (value.isZero() || value.isNegative()) {
            add(key, "must be greater than 0");
        }
    }

    public void atMost(String key, Duration value, Duration max) {
        if (value.compareTo(max) > 0) {
            add(key, "must be at most " + Units.formatDuration(max) + ", got " + Units.formatDuration(value));
        }
    }

    private static String join(String path, String key) {
        if (key.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? key : path + "." + key;
    }
}
