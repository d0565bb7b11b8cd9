package stargate.model.validate;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A value that passed a check, or the errors that stopped it: exactly one of the two.
 *
 * @param value  the checked value; null when invalid
 * @param errors every error found, in document order; empty when valid
 */
public record Validated<T>(T value, List<ConfigError> errors) {
    public Validated {
        errors = List.copyOf(errors);
        if ((value == null) == errors.isEmpty()) {
            throw new IllegalArgumentException("a Validated holds a value or errors, not both or neither");
        }
    }

    public static <T> Validated<T> valid(T value) {
        return new Validated<>(value, List.of());
    }

    /** @param errors at least one */
    public static <T> Validated<T> invalid(List<ConfigError> errors) {
        return new Validated<>(null, errors);
    }

    public boolean isValid() {
        return errors.isEmpty();
    }

    /** @throws IllegalArgumentException listing every error, one a line, when invalid */
    public T orElseThrow() {
        if (!isValid()) {
            throw new IllegalArgumentException(errors.stream().map(ConfigError::toString)
                    .collect(Collectors.joining("\n", "invalid config:\n", "")));
        }
        return value;
    }
}
