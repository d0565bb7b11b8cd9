package stargate.model.telemetry;

import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * How the node and the controller write their logs ({@code --log-format text|json}, {@code STARGATE_LOG_FORMAT}).
 * Text, the default, is each component's one-line format; JSON is one object per line ({@link JsonLogFormatter}).
 * The access log is not affected: it is JSON lines already, written by its own writer.
 */
public enum LogFormat {
    TEXT, JSON;

    /** The flag's name, for the components' flag lists. */
    public static final String FLAG = "log-format";

    /** @throws IllegalArgumentException naming the flag and the two values when {@code raw} is neither */
    public static LogFormat parse(String raw) {
        String value = raw == null ? "text" : raw.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("--" + FLAG + " must be text or json, got \"" + raw + "\"");
        };
    }

    /**
     * Makes the root logger's handlers (the console, where both components log) write this format; text leaves
     * them as configured. Call it once logging is configured and before the component logs its start.
     *
     * @param currentSpan the span current on the logging thread, or null when none (see {@link JsonLogFormatter})
     */
    public void install(Supplier<JsonLogFormatter.SpanIds> currentSpan) {
        if (this == TEXT) {
            return;
        }
        JsonLogFormatter formatter = new JsonLogFormatter(currentSpan);
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.setFormatter(formatter);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
