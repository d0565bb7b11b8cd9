package stargate.node.listener;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import java.nio.charset.StandardCharsets;
import stargate.node.proxy.ErrorResponse;

/**
 * Answers requests Helidon rejects before routing (malformed request line or headers, headers far
 * over the size limit, oversized payload) with the gateway's JSON error body instead of Helidon's
 * text. Headers over {@code --max-header-size} are answered 431 by {@link ProxyHandler}; see
 * {@link Listeners} for why Helidon's own limit sits above it.
 */
final class ProtocolErrors implements DirectHandler {
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        int code = status.code();
        String error = switch (eventType) {
            case PAYLOAD_TOO_LARGE -> "body_too_large";
            default -> code >= 500 ? "internal_error" : "bad_request";
        };
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
