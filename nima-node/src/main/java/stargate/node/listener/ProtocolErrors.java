package stargate.node.listener;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import java.nio.charset.StandardCharsets;
import stargate.node.proxy.ErrorResponse;

/**
 * Answers requests Helidon rejects before routing (malformed request line or headers, headers over
 * {@code --max-header-size}, oversized payload) with the gateway's JSON error body instead of Helidon's
 * text.
 *
 * <p>Helidon reports headers over its limit (set to ours) as a 400 whose message is
 * {@value #HEADERS_TOO_LARGE}; that one is answered 431 (SPEC §13), at any size. Helidon hands over its
 * (safe) messages only with {@code error-handling.include-entity} on (see {@link Listeners}).
 */
final class ProtocolErrors implements DirectHandler {
    /** Helidon 4.5's message for a header section over {@code max-headers-size} (Http1HeadersParser). */
    static final String HEADERS_TOO_LARGE = "Header size exceeded";
    /** The 431 message, on HTTP/1.1 and HTTP/2 alike. */
    static final String HEADERS_TOO_LARGE_MESSAGE = "request headers exceed the limit (--max-header-size)";
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        ConnectionGuard.lingerOnClose();     // Helidon closes after this answer; what the client still sends is unread
        int code = status.code();
        String error = switch (eventType) {
            case PAYLOAD_TOO_LARGE -> "body_too_large";
            default -> code >= 500 ? "internal_error" : "bad_request";
        };
        if (eventType == EventType.BAD_REQUEST && HEADERS_TOO_LARGE.equals(message)) {
            code = 431;
            error = "headers_too_large";
            message = HEADERS_TOO_LARGE_MESSAGE;
        }
        byte[] body = ErrorResponse.json(code, error, message == null ? status.reasonPhrase() : message, null)
                .getBytes(StandardCharsets.UTF_8);
        return TransportResponse.builder()
                .status(Status.create(code))
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(false)
                .entity(body)
                .build();
    }
}
