package stargate.node.trace;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C {@code traceparent} header (Trace Context level 1, §3.2,
 * https://www.w3.org/TR/trace-context/#traceparent-header): read from a client, written to the upstream, e.g.
 * {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}. Ids are kept as longs (a trace id is two);
 * hex text is made only where a header or log line needs it.
 */
public final class TraceParent {
    public static final HeaderName HEADER = HeaderNames.create("traceparent");
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
    /** {@code 00-} + 32 + {@code -} + 16 + {@code -} + 2. */
    static final int LENGTH = 55;

    /** A valid caller's context. */
    record Parent(long traceIdHigh, long traceIdLow, long spanId, int flags) {
        boolean sampled() {
            return (flags & 1) != 0;
        }
    }

    private TraceParent() {
    }

    /**
     * Parses a {@code traceparent} as the W3C recommends: version 00 must be exactly 55 characters; a later
     * version may carry more after a {@code -}; version ff, upper-case hex, an all-zero trace id or parent id are
     * invalid.
     *
     * @return the caller's context, or null when {@code value} is absent or invalid (then a new trace starts)
     */
    static Parent parse(String value) {
        if (value == null || value.length() < LENGTH) {
            return null;
        }
        int version = hex(value, 0, 2);
        if (version < 0 || version == 0xff || (version == 0 ? value.length() != LENGTH
                : value.length() > LENGTH && value.charAt(LENGTH) != '-')) {
            return null;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return null;
        }
        int flags = hex(value, 53, 55);
        if (flags < 0 || !isHex(value, 3, 35) || !isHex(value, 36, 52)) {
            return null;
        }
        long high = Long.parseUnsignedLong(value, 3, 19, 16);
        long low = Long.parseUnsignedLong(value, 19, 35, 16);
        long span = Long.parseUnsignedLong(value, 36, 52, 16);
        if ((high == 0 && low == 0) || span == 0) {
            return null;
        }
        return new Parent(high, low, span, flags);
    }

    /**
     * With tracing off, the gateway is still a hop of the trace: a valid incoming header keeps its trace id and
     * flags and gets a new span id (the gateway's); anything else starts a new trace, sampled ({@code 01}), since
     * the gateway is then its root.
     *
     * @param incoming the client's {@code traceparent}, null when absent
     * @return the {@code traceparent} to send upstream
     */
    public static String next(String incoming) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Parent parent = parse(incoming);
        return parent == null ? format(random.nextLong(), nonZero(random), nonZero(random), 1)
                : format(parent.traceIdHigh(), parent.traceIdLow(), nonZero(random), parent.flags());
    }

    /** A random id other than 0 (an all-zero id is invalid), from {@link ThreadLocalRandom} as the SDK's. */
    static long nonZero(ThreadLocalRandom random) {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    /** Whether {@code value} is a valid {@code traceparent} ({@link #parse}). */
    public static boolean isValid(String value) {
        return parse(value) != null;
    }

    /** The header naming {@code spanId} of trace {@code high,low} as the parent. */
    static String format(long high, long low, long spanId, int flags) {
        byte[] out = new byte[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        hex(high, out, 3);
        hex(low, out, 19);
        out[35] = '-';
        hex(spanId, out, 36);
        out[52] = '-';
        out[53] = HEX[flags >>> 4 & 0xf];
        out[54] = HEX[flags & 0xf];
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    static String traceId(long high, long low) {
        byte[] out = new byte[32];
        hex(high, out, 0);
        hex(low, out, 16);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    static String spanId(long spanId) {
        byte[] out = new byte[16];
        hex(spanId, out, 0);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static void hex(long value, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    /** Lower-case hex only, as the W3C format requires. */
    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static int hex(String s, int from, int to) {
        return isHex(s, from, to) ? Integer.parseInt(s, from, to, 16) : -1;
    }
}
