package stargate.model.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    @ParameterizedTest(name = "{0} is {1} ms and is written {2}")
    @CsvSource({
            "500ms, 500, 500ms",
            "2s, 2000, 2s",
            "1m, 60000, 1m",
            "1h, 3600000, 1h",
            "90s, 90000, 90s",
            "1000ms, 1000, 1s",
            "120m, 7200000, 2h",
            "1500ms, 1500, 1500ms",
            "0s, 0, 0s",
            "0ms, 0, 0s"})
    void parsesAndWritesDurationsInTheShortestExactUnit(String text, long millis, String written) {
        Duration d = Units.parseDuration(text);
        assertEquals(Duration.ofMillis(millis), d);
        assertEquals(written, Units.formatDuration(d));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5 s", "5sec", "1m30s", "-1s", "1.5s", "5S", "s", "1d", " 1s"})
    void rejectsDurationsOutsideTheFormat(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(text));
        assertEquals("expected a duration like 500ms, 2s, 1m, 1h, got \"" + text + "\"", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {-1_000_000, 1})
    void refusesToWriteDurationsTheFormatCannotHold(long nanos) {
        assertThrows(IllegalArgumentException.class, () -> Units.formatDuration(Duration.ofNanos(nanos)));
    }

    @ParameterizedTest(name = "{0} is {1} bytes and is written {2}")
    @CsvSource({
            "512, 512, 512",
            "0, 0, 0",
            "64KiB, 65536, 64KiB",
            "10MiB, 10485760, 10MiB",
            "1GiB, 1073741824, 1GiB",
            "1024, 1024, 1KiB",
            "2048MiB, 2147483648, 2GiB",
            "1536, 1536, 1536"})
    void parsesAndWritesSizes(String text, long bytes, String written) {
        assertEquals(bytes, Units.parseSize(text));
        assertEquals(written, Units.formatSize(bytes));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1KB", "1 KiB", "1.5MiB", "-1", "kib", "1kib", "10MB"})
    void rejectsSizesOutsideTheFormat(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseSize(text));
        assertEquals("expected a size like 512, 64KiB, 10MiB, got \"" + text + "\"", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999999999999999GiB", "9999999999999999KiB"})
    void rejectsSizesThatOverflow(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseSize(text));
        assertEquals("size too large: \"" + text + "\"", e.getMessage());
    }
}
