package stargate.node.proxy;

import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * The gateway's own error answers (SPEC §5): {@code {"status":…, "error":"…", "message":"…",
 * "request_id":"…"}} with {@code Content-Type: application/json} and the {@code X-Request-Id} header.
 */
public final class ErrorResponse {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ErrorResponse() {
    }

    /**
     * Sends an error response; the response must not have been started.
     *
     * @param status    HTTP status, e.g. 404
     * @param error     machine-readable code, e.g. {@code no_route}
     * @param message   human-readable detail
     * @param requestId the exchange's request id (see {@link RequestId#of}); null leaves it out
     */
    public static void send(ServerResponse res, int status, String error, String message, String requestId) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        if (requestId != null) {
            res.header(RequestId.HEADER, requestId);
        }
        res.send(json(status, error, message, requestId).getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends the error that {@code failure} maps to (see {@link UpstreamException.Kind}). */
    public static void send(ServerResponse res, UpstreamException failure, String requestId) {
        send(res, failure.kind().status(), failure.kind().error(), failure.getMessage(), requestId);
    }

    /** The JSON body; pure ASCII: every non-ASCII or control character is a {@code \}{@code uXXXX} escape. */
    public static String json(int status, String error, String message, String requestId) {
        StringBuilder json = new StringBuilder(96 + (message == null ? 0 : message.length()));
        json.append("{\"status\":").append(status).append(",\"error\":");
        appendString(json, error);
        json.append(",\"message\":");
        appendString(json, message);
        json.append(",\"request_id\":");
        appendString(json, requestId);
        return json.append('}').toString();
    }

    private static void appendString(StringBuilder json, String value) {
        if (value == null) {
            json.append("null");
            return;
        }
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                json.append(c);
            } else {
                json.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 15])
                        .append(HEX[(c >> 4) & 15]).append(HEX[c & 15]);
            }
        }
        json.append('"');
    }
}
