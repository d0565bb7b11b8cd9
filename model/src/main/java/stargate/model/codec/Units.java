package stargate.model.codec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two unit-bearing scalar formats of the config: durations ({@code 500ms}, {@code 2s},
 * {@code 1m}, {@code 1h}) and sizes in bytes ({@code 512}, {@code 64KiB}, {@code 10MiB}, {@code 1GiB}).
 *
 * <p>Both are strict: one non-negative integer and one unit, no spaces, no fractions, no mixing
 * ({@code 1m30s} is {@code 90s}). Formatting picks the largest unit that represents the value
 * exactly, so {@code format(parse(x))} is {@code x} written in its shortest exact form.
 */
public final class Units {
    /** The start of the message for a value that is not a duration; the binder appends {@code , got ...}. */
    static final String DURATION_EXPECTED = "expected a duration like 500ms, 2s, 1m, 1h";
    static final String SIZE_EXPECTED = "expected a size like 512, 64KiB, 10MiB";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})(KiB|MiB|GiB)?");

    private Units() {
    }

    /**
     * @param text e.g. {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}
     * @throws IllegalArgumentException whose message is fit for a config error
     *         ({@code expected a duration like 500ms, 2s, 1m, 1h, got "5 seconds"})
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(DURATION_EXPECTED + ", got \"" + text + "\"");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /**
     * @param duration a whole number of milliseconds, not negative
     * @return the shortest exact form: {@code 1h}, {@code 90s}, {@code 1500ms}
     */
    public static String formatDuration(Duration duration) {
        if (duration.isNegative() || duration.toNanosPart() % 1_000_000 != 0) {
            throw new IllegalArgumentException("not a whole, non-negative number of milliseconds: " + duration);
        }
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * @param text bytes ({@code 512}) or binary units ({@code 64KiB}, {@code 10MiB}, {@code 1GiB})
     * @return the size in bytes
     * @throws IllegalArgumentException whose message is fit for a config error
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(SIZE_EXPECTED + ", got \"" + text + "\"");
        }
        long amount = Long.parseLong(m.group(1));
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        if (amount > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("size too large: \"" + text + "\"");
        }
        return amount << shift;
    }

    /** @return the shortest exact form: {@code 10MiB}, {@code 1536} (bytes), {@code 0} */
    public static String formatSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        String[] units = {"GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            int shift = 30 - 10 * i;
            if (bytes != 0 && bytes % (1L << shift) == 0) {
                return (bytes >> shift) + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
