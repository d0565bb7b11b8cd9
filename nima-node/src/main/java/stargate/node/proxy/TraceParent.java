package stargate.node.proxy;

import java.util.concurrent.ThreadLocalRandom;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

/**
 * W3C Trace Context {@code traceparent} (https://www.w3.org/TR/trace-context/#traceparent-header):
 * {@code version-traceid-parentid-flags}, e.g. {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}.
 *
 * <p>The gateway is a hop of the trace: a valid incoming header keeps its trace id and flags and gets
 * a new span id (the gateway's); anything else starts a new trace, sampled ({@code 01}), since the
 * gateway is then its root.
 */
@SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the ASCII copy needed
final class TraceParent {
    static final HeaderName HEADER = HeaderNames.create("traceparent");
    private static final int LENGTH = 55;          // "00-" + 32 + "-" + 16 + "-" + 2

    private TraceParent() {
    }

    /** @return the {@code traceparent} to send upstream, given the client's (null if absent) */
    static String next(String incoming) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] out = new byte[LENGTH];
        boolean continued = isValid(incoming);
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        if (continued) {
            incoming.getBytes(3, 35, out, 3);       // the client's trace id (checked hex, so ASCII)
            incoming.getBytes(53, 55, out, 53);     // and its flags
        } else {
            Hex.put(out, 3, nonZero(random));
            Hex.put(out, 19, random.nextLong());
            out[53] = '0';
            out[54] = '1';                          // a new trace, with the gateway its sampled root
        }
        out[35] = '-';
        Hex.put(out, 36, nonZero(random));          // the gateway's span id
        out[52] = '-';
        return Hex.text(out);
    }

    /** Version 00 exactly 55 chars; a later version may append {@code -...}; version ff is invalid. */
    static boolean isValid(String value) {
        if (value == null || value.length() < LENGTH || (value.length() > LENGTH && value.charAt(LENGTH) != '-')) {
            return false;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-'
                || value.startsWith("ff") || (value.startsWith("00") && value.length() != LENGTH)) {
            return false;
        }
        return isHex(value, 0, 2) && isHex(value, 3, 35) && isHex(value, 36, 52) && isHex(value, 53, 55)
                && !isZero(value, 3, 35) && !isZero(value, 36, 52);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static long nonZero(ThreadLocalRandom random) {
        long value;
        do {
            value = random.nextLong();
        } while (value == 0);
        return value;
    }
}
