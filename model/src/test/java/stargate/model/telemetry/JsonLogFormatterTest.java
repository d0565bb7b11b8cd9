package stargate.model.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code --log-format json}: one JSON object per record, event pairs as fields, escaping, span ids, exceptions. */
class JsonLogFormatterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonLogFormatter NO_SPAN = new JsonLogFormatter(() -> null);

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("stargate.test.Logger");
        record.setInstant(Instant.parse("2026-12-07T12:48:27.123456Z"));
        return record;
    }

    /** Formats {@code record}, checks it is exactly one line, and parses it. */
    private static JsonNode line(JsonLogFormatter formatter, LogRecord record) throws IOException {
        String text = formatter.format(record);
        assertTrue(text.endsWith("\n"), text);
        assertEquals(-1, text.substring(0, text.length() - 1).indexOf('\n'), "one line: " + text);
        assertTrue(text.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n'), "printable ASCII only: " + text);
        return MAPPER.readTree(text);
    }

    @Test
    void anEventLineHasTheCommonFieldsAndItsPairs() throws IOException {
        JsonNode json = line(NO_SPAN, record(Level.INFO, "event=config_applied source=file revision=3 routes=12"));
        assertEquals("2026-12-07T12:48:27.123Z", json.get("time").asText());
        assertEquals("INFO", json.get("level").asText());
        assertEquals("stargate.test.Logger", json.get("logger").asText());
        assertEquals(Thread.currentThread().getName(), json.get("thread").asText());
        assertEquals("event=config_applied source=file revision=3 routes=12", json.get("message").asText());
        assertEquals("config_applied", json.get("event").asText());
        assertEquals("file", json.get("source").asText());
        assertEquals("3", json.get("revision").asText(), "values stay strings: one type per field across lines");
        assertEquals("12", json.get("routes").asText());
        assertFalse(json.has("trace_id"), "no span current");
        assertFalse(json.has("exception"));
    }

    @Test
    void controlCharactersQuotesAndNonAsciiAreEscapedAndReadBackIntact() throws IOException {
        String nasty = "line one\nline \"two\"\r\n\ttab \u0000 nul \\ back é 日本 \u2028 \uD83D\uDE00 end";
        JsonNode json = line(NO_SPAN, record(Level.WARNING, nasty));
        assertEquals(nasty, json.get("message").asText());
        JsonNode event = line(NO_SPAN, record(Level.WARNING, "event=x error=\"" + nasty + "\""));
        assertEquals(nasty, event.get("error").asText());
    }

    @Test
    void theCurrentSpanNamesTheTrace() throws IOException {
        JsonLogFormatter traced = new JsonLogFormatter(
                () -> new JsonLogFormatter.SpanIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"));
        JsonNode json = line(traced, record(Level.INFO, "request served"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", json.get("trace_id").asText());
        assertEquals("00f067aa0ba902b7", json.get("span_id").asText());
    }

    @Test
    void anExceptionHasItsClassMessageAndWholeStackAsOneString() throws IOException {
        LogRecord record = record(Level.SEVERE, "event=config_apply_failed source=etcd");
        record.setThrown(new IllegalStateException("bad \"state\"\nsecond line",
                new java.io.IOException("root cause")));
        JsonNode exception = line(NO_SPAN, record).get("exception");
        assertEquals("java.lang.IllegalStateException", exception.get("class").asText());
        assertEquals("bad \"state\"\nsecond line", exception.get("message").asText());
        String stack = exception.get("stack").asText();
        assertTrue(stack.startsWith("java.lang.IllegalStateException: bad"), stack);
        assertTrue(stack.contains("\tat stargate.model.telemetry.JsonLogFormatterTest"), stack);
        assertTrue(stack.contains("Caused by: java.io.IOException: root cause"), stack);
    }

    @Test
    void parametersAreFormattedIntoTheMessage() throws IOException {
        LogRecord record = record(Level.INFO, "event=started port={0}");
        record.setParameters(new Object[] {"8080"});
        JsonNode json = line(NO_SPAN, record);
        assertEquals("event=started port=8080", json.get("message").asText());
        assertEquals("8080", json.get("port").asText());
    }

    @Test
    void aPairCannotReplaceACommonFieldOrAnEarlierPair() throws IOException {
        JsonLogFormatter traced = new JsonLogFormatter(() -> new JsonLogFormatter.SpanIds("a".repeat(32), "b".repeat(16)));
        // an unquoted value carrying outside text (an upstream's error message, say) that looks like pairs
        JsonNode json = line(traced, record(Level.WARNING,
                "event=upstream_failed target=t1 error=refused level=DEBUG trace_id=forged target=t2 message=x"));
        assertEquals("WARNING", json.get("level").asText());
        assertEquals("a".repeat(32), json.get("trace_id").asText());
        assertEquals("t1", json.get("target").asText());
        assertTrue(json.get("message").asText().startsWith("event=upstream_failed"));
        String text = traced.format(record(Level.WARNING, "event=x level=DEBUG level=INFO"));
        assertEquals(1, text.split("\"level\"", -1).length - 1, "no duplicate key: " + text);
    }

    static Stream<Arguments> eventLines() {
        return Stream.of(
                Arguments.of("event=a", Map.of("event", "a")),
                Arguments.of("no event here k=v", Map.of()),
                Arguments.of("event=a k=\"two words\" n=1", Map.of("event", "a", "k", "two words", "n", "1")),
                Arguments.of("event=a error=\"route \"x\" missing\" n=1",
                        Map.of("event", "a", "error", "route \"x\" missing", "n", "1")),
                Arguments.of("event=a error=java.io.IOException: Connection refused retry_ms=50",
                        Map.of("event", "a", "error", "java.io.IOException: Connection refused", "retry_ms", "50")),
                Arguments.of("event=a key=k error=\"e\" (it expires within 30 s)",
                        Map.of("event", "a", "key", "k", "error", "e")),
                Arguments.of("event=a error=\"not closed", Map.of("event", "a", "error", "not closed")),
                Arguments.of("event=a empty= quoted=\"\"", Map.of("event", "a", "empty", "", "quoted", "")),
                Arguments.of("event=a plugins=[cors, key-auth] dir=p",
                        Map.of("event", "a", "plugins", "[cors, key-auth]", "dir", "p")),
                Arguments.of("event=a Upper=x", Map.of("event", "a Upper=x")));
    }

    @ParameterizedTest
    @MethodSource("eventLines")
    void eventPairsAreReadLeniently(String message, Map<String, String> expected) {
        assertEquals(expected, EventLine.fields(message));
    }

    @Test
    void aHugeMessageIsReadInLinearTime() {
        String many = "event=x " + "a\" ".repeat(200_000) + "end";
        long start = System.nanoTime();
        EventLine.fields(many);
        EventLine.fields("event=x " + "k=\"v ".repeat(100_000));
        EventLine.fields("event=x v=" + "abc ".repeat(200_000));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "quadratic reading would take minutes here");
    }

    @Test
    void theFlagTakesTextOrJsonAndRefusesAnythingElse() {
        assertEquals(LogFormat.TEXT, LogFormat.parse(null));
        assertEquals(LogFormat.JSON, LogFormat.parse(" JSON "));
        assertEquals(LogFormat.TEXT, LogFormat.parse("text"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("logfmt"));
        assertEquals("--log-format must be text or json, got \"logfmt\"", e.getMessage());
    }
}
