package stargate.model.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per log record, on one line ({@code --log-format json}):
 * <pre>
 * {"time":"2026-12-07T12:48:27.123Z","level":"INFO","logger":"stargate.node.config.ConfigApplier","thread":"main",
 *  "message":"event=config_applied source=file revision=3","event":"config_applied","source":"file","revision":"3"}
 * </pre>
 * <ul>
 *   <li>{@code time} ISO-8601 UTC to the millisecond; {@code level} the java.util.logging name (INFO, WARNING,
 *       SEVERE, FINE...); {@code logger}; {@code thread} the thread's name ({@code #id} when it has none, as a
 *       virtual thread); {@code message} as the text format shows it.</li>
 *   <li>An {@code event=name k=v k="v w"} message also has its pairs as string fields ({@link EventLine}); a
 *       pair never replaces one of the fields above, and the first of two equal keys wins, so a value that
 *       carries outside text cannot forge the level or a trace id.</li>
 *   <li>{@code trace_id}, {@code span_id}: the span current on the logging thread (a line logged while a
 *       request is served names that request's trace).</li>
 *   <li>{@code exception}: {@code class}, {@code message} and {@code stack} (the whole printed stack trace,
 *       causes included, as one string).</li>
 * </ul>
 * Quotes, backslashes, control characters (a newline, NUL) and everything outside ASCII are written as JSON
 * escapes, so a record stays one line and reads the same whatever the console's charset.
 */
public final class JsonLogFormatter extends Formatter {
    /** The ids of the span current when a record was logged. */
    public record SpanIds(String traceId, String spanId) {
    }

    /** Field names the formatter writes itself; an event pair with one of these names is left in the message only. */
    static final Set<String> RESERVED = Set.of("time", "level", "logger", "thread", "message", "trace_id", "span_id",
            "exception");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Supplier<SpanIds> currentSpan;

    /** @param currentSpan the current span's ids, or null when no span is current */
    public JsonLogFormatter(Supplier<SpanIds> currentSpan) {
        this.currentSpan = currentSpan;
    }

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            String message = formatMessage(record);
            json.writeStartObject();
            json.writeStringField("time", TIME.format(record.getInstant()));
            json.writeStringField("level", record.getLevel().getName());
            json.writeStringField("logger", record.getLoggerName());
            json.writeStringField("thread", threadName(record.getLongThreadID()));
            json.writeStringField("message", message);
            SpanIds span = currentSpan.get();
            if (span != null) {
                json.writeStringField("trace_id", span.traceId());
                json.writeStringField("span_id", span.spanId());
            }
            for (Map.Entry<String, String> field : EventLine.fields(message).entrySet()) {
                if (!RESERVED.contains(field.getKey())) {
                    json.writeStringField(field.getKey(), field.getValue());
                }
            }
            Throwable thrown = record.getThrown();
            if (thrown != null) {
                json.writeObjectFieldStart("exception");
                json.writeStringField("class", thrown.getClass().getName());
                json.writeStringField("message", thrown.getMessage());
                json.writeStringField("stack", stackTrace(thrown));
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a StringWriter does not fail
        }
        return line.append('\n').toString();
    }

    /** Records are formatted on the thread that logged them (handlers publish synchronously). */
    private static String threadName(long threadId) {
        Thread current = Thread.currentThread();
        String name = current.threadId() == threadId ? current.getName() : "";
        return name.isEmpty() ? "#" + threadId : name;
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter stack = new StringWriter();
        try (PrintWriter out = new PrintWriter(stack)) {
            thrown.printStackTrace(out);
        }
        return stack.toString().stripTrailing();
    }
}
