package stargate.model.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the pairs of an event log message, {@code event=config_applied source=file revision=3 error="a b"}: what
 * the node and the controller log for every event that matters. The messages are written by hand, so the reading
 * is lenient and never fails; what it cannot read stays in the message (which the JSON line always keeps whole).
 *
 * <ul>
 *   <li>A key is {@code [a-z][a-z0-9_.]*} before {@code =}; only messages starting with {@code event=} are read.</li>
 *   <li>A quoted value ends at a {@code "} followed by the end or by a space and the next key (values such as
 *       {@code error="route "x" missing"} quote text with quotes in it); failing that, at the first {@code "}
 *       followed by a space.</li>
 *   <li>An unquoted value runs to the next space followed by a key ({@code error=java.io.IOException: refused
 *       retry=3} gives {@code error} the exception's whole text).</li>
 *   <li>Reading stops at text that is no pair (a trailing remark); the first of two equal keys wins.</li>
 * </ul>
 * Linear in the message's length: a fallback close ends the reading, and a look-ahead stops at the next space.
 */
final class EventLine {
    private EventLine() {
    }

    /** The message's pairs in order; empty when it is no event line. */
    static Map<String, String> fields(String message) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (message == null || !message.startsWith("event=")) {
            return fields;
        }
        int at = 0;
        int length = message.length();
        while (at < length) {
            int eq = keyEnd(message, at);
            if (eq < 0) {
                break;
            }
            String key = message.substring(at, eq);
            int start = eq + 1;
            int end;
            String value;
            if (start < length && message.charAt(start) == '"') {
                int close = closingQuote(message, start + 1);
                if (close < 0) {
                    value = message.substring(start + 1);
                    end = length;
                } else {
                    value = message.substring(start + 1, close);
                    end = close + 1;
                }
            } else {
                end = nextPair(message, start);
                value = message.substring(start, end);
            }
            fields.putIfAbsent(key, value);
            if (end >= length || message.charAt(end) != ' ') {
                break;
            }
            at = end + 1;
        }
        return fields;
    }

    /** The index of the {@code =} ending a key that starts at {@code at}, or -1 when none starts there. */
    private static int keyEnd(String s, int at) {
        if (at >= s.length() || s.charAt(at) < 'a' || s.charAt(at) > 'z') {
            return -1;
        }
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                return i;
            }
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.')) {
                return -1;
            }
        }
        return -1;
    }

    /** Where an unquoted value starting at {@code from} ends: the space before the next key, else the end. */
    private static int nextPair(String s, int from) {
        for (int i = s.indexOf(' ', from); i >= 0; i = s.indexOf(' ', i + 1)) {
            if (keyEnd(s, i + 1) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    /** The quote closing a value that starts at {@code from}, or -1 when it is not closed. */
    private static int closingQuote(String s, int from) {
        int firstBeforeSpace = -1;
        for (int i = s.indexOf('"', from); i >= 0; i = s.indexOf('"', i + 1)) {
            if (i + 1 == s.length() || s.charAt(i + 1) == ' ' && keyEnd(s, i + 2) >= 0) {
                return i;
            }
            if (firstBeforeSpace < 0 && s.charAt(i + 1) == ' ') {
                firstBeforeSpace = i;
            }
        }
        return firstBeforeSpace;
    }
}
