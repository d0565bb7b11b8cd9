package stargate.model.validate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The errors found so far, with the checks every section repeats (required, range, positive duration).
 * The checks that take a {@code key} build its path ({@code path.key}) only for an error: run on every
 * object, they would otherwise make millions of short-lived strings at 100,000 routes.
 */
final class Findings {
    private final List<ConfigError> errors = new ArrayList<>();

    List<ConfigError> errors() {
        return errors;
    }

    int count() {
        return errors.size();
    }

    void add(String path, String message) {
        errors.add(new ConfigError(path, message));
    }

    /** @return whether {@code value} is present (not null, not blank); adds {@code required} when it is not */
    boolean required(String path, Object value) {
        boolean present = value != null && !(value instanceof String s && s.isBlank());
        if (!present) {
            add(path, "required");
        }
        return present;
    }

    /** {@link #required(String, Object)} of {@code path.key}. */
    boolean required(String path, String key, Object value) {
        boolean present = value != null && !(value instanceof String s && s.isBlank());
        if (!present) {
            add(at(path, key), "required");
        }
        return present;
    }

    /** Skips null: an absent optional value takes its default, which is always in range. */
    void range(String path, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            add(path, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** {@link #range(String, Integer, int, int)} of {@code path.key}. */
    void range(String path, String key, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            range(at(path, key), value, min, max);
        }
    }

    void positive(String path, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            add(path, "must be greater than 0");
        }
    }

    /** {@link #positive(String, Duration)} of {@code path.key}. */
    void positive(String path, String key, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            positive(at(path, key), value);
        }
    }

    static String at(String path, String key) {
        return path + "." + key;
    }

    static String at(String path, int index) {
        return path + "[" + index + "]";
    }
}
