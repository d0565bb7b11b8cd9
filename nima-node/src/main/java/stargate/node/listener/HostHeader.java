package stargate.node.listener;

import io.helidon.common.uri.UriValidator;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import stargate.model.routing.PathNormalizer;

/**
 * The request's {@code Host} as RFC 9112 §3.2 and RFC 3986 §3.2.2 allow it: exactly one, a registered name
 * (unreserved, sub-delims, percent escapes), an IPv4 address or a bracketed IP literal, and an optional
 * port of digits only. It picks the route, so anything else is refused before the router sees it.
 *
 * <p>Checked here rather than by Helidon's full Host validation, which runs a regular expression on every
 * request (~2% of a proxied request's CPU) and accepts a signed port ({@code :+80}).
 */
final class HostHeader {
    /** RFC 3986 §2.2: what a registered name may hold besides unreserved characters and escapes. */
    private static final String SUB_DELIMS = "!$&'()*+,;=";

    private HostHeader() {
    }

    /**
     * @param required whether the request must carry a Host (HTTP/1.x; HTTP/2 names its authority in
     *                 {@code :authority} and may leave Host out)
     * @return why the request's Host is refused, or null when it is fine
     */
    static String problem(Headers headers, boolean required) {
        if (!headers.contains(HeaderNames.HOST)) {
            return required ? "Host header must be present in the request" : null;
        }
        Header host = headers.get(HeaderNames.HOST);
        if (host.valueCount() != 1) {
            return "Only a single Host header is allowed in request";
        }
        String value = host.get();
        if (value.isEmpty()) {
            return "Host header must not be empty";
        }
        String problem = authorityProblem(value);
        return problem == null ? null : "Invalid Host header: " + problem;
    }

    /**
     * @param value a non-empty host with an optional port, as Host or an absolute-form target's authority holds it
     * @return what is wrong with it, or null when it is fine
     */
    static String authorityProblem(String value) {
        int portFrom;
        if (value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 0) {
                return "an IP literal without its closing bracket";
            }
            try {
                UriValidator.validateIpLiteral(value.substring(0, close + 1));
            } catch (IllegalArgumentException e) {
                return "not an IP literal";
            }
            portFrom = close + 1;
        } else {
            portFrom = value.indexOf(':');
            if (portFrom < 0) {
                portFrom = value.length();
            }
            if (portFrom == 0 || !isRegName(value, portFrom)) {
                return "not a host name";
            }
        }
        return portFrom == value.length() || isPort(value, portFrom) ? null : "not a port";
    }

    /** {@code value[0, end)}: unreserved, sub-delims and {@code %} with two hex digits (an IPv4 address is such a name too). */
    private static boolean isRegName(String value, int end) {
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= end || Character.digit(value.charAt(i + 1), 16) < 0 || Character.digit(value.charAt(i + 2), 16) < 0) {
                    return false;
                }
                i += 2;
            } else if (!PathNormalizer.isUnreserved(c) && SUB_DELIMS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code :} then 1 to 5 digits, at {@code colon} to the end. */
    private static boolean isPort(String value, int colon) {
        int digits = value.length() - colon - 1;
        if (value.charAt(colon) != ':' || digits < 1 || digits > 5) {
            return false;
        }
        for (int i = colon + 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
