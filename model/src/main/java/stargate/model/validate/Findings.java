package stargate.model.validate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The errors found so far, with the checks every section repeats (required, range, positive duration). */
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

    /** Skips null: an absent optional value takes its default, which is always in range. */
    void range(String path, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            add(path, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    void positive(String path, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            add(path, "must be greater than 0");
        }
    }

    static String at(String path, String key) {
        return path + "." + key;
    }

    static String at(String path, int index) {
        return path + "[" + index + "]";
    }
}
