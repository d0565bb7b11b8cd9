package stargate.node.grpc;

import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * gRPC status codes as the gateway uses them, and the gateway's own answers on gRPC calls (SPEC §16):
 * HTTP 200 with {@code grpc-status} and {@code grpc-message} in one header block ("Trailers-Only"), never
 * the JSON error body an HTTP client gets.
 */
public final class GrpcStatus {
    public static final int OK = 0;
    public static final int CANCELLED = 1;
    public static final int UNKNOWN = 2;
    public static final int INVALID_ARGUMENT = 3;
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int PERMISSION_DENIED = 7;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int UNIMPLEMENTED = 12;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    public static final int UNAUTHENTICATED = 16;

    public static final HeaderName STATUS = HeaderNames.create("grpc-status");
    public static final HeaderName MESSAGE = HeaderNames.create("grpc-message");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private GrpcStatus() {
    }

    /** Whether a request is a gRPC call: its content type is {@code application/grpc} or {@code application/grpc+…}. */
    public static boolean isGrpc(Headers headers) {
        return isGrpcContentType(headers.first(HeaderNames.CONTENT_TYPE).orElse(null));
    }

    /** @param type a {@code Content-Type} value, or null */
    public static boolean isGrpcContentType(String type) {
        return type != null && type.startsWith("application/grpc") && (type.length() == 16 || type.charAt(16) == '+'
                || type.charAt(16) == ';');
    }

    /**
     * The gRPC code for an answer the gateway would give an HTTP client with {@code httpStatus}: SPEC §16's
     * table (404 no route → UNIMPLEMENTED, 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 429 →
     * RESOURCE_EXHAUSTED, 502/503 → UNAVAILABLE, 504 and 408 → DEADLINE_EXCEEDED), the rest as gRPC's
     * own HTTP mapping has them (other 4xx INTERNAL, as a malformed request is; other 5xx UNKNOWN).
     */
    public static int forHttpStatus(int httpStatus) {
        return switch (httpStatus) {
            case 400, 413, 431 -> INTERNAL;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404 -> UNIMPLEMENTED;
            case 408, 504 -> DEADLINE_EXCEEDED;
            case 429 -> RESOURCE_EXHAUSTED;
            case 502, 503 -> UNAVAILABLE;
            default -> httpStatus >= 500 ? UNKNOWN : INTERNAL;
        };
    }

    /**
     * Sets a gateway answer on a gRPC call: status 200, {@code application/grpc}, and the status and message
     * as trailers; the caller sends it with an empty body. (Helidon sends a body-less response's headers
     * without END_STREAM, so a "Trailers-Only" header block would not end the call: the status goes in
     * trailers, which every gRPC client reads.) Headers set earlier (a request id, {@code Retry-After}...)
     * go along as response metadata.
     */
    public static void head(ServerResponse res, int grpcStatus, String message) {
        res.status(Status.OK_200);
        res.headers().set(HeaderNames.CONTENT_TYPE, "application/grpc");
        res.headers().set(HeaderNames.TRAILER, "grpc-status, grpc-message");
        res.trailers().set(STATUS, Integer.toString(grpcStatus));
        if (message != null && !message.isEmpty()) {
            res.trailers().set(MESSAGE, encodeMessage(message));
        }
    }

    /** Sends a gateway answer on a gRPC call ({@link #head}); the response must not have been started. */
    public static void answer(ServerResponse res, int grpcStatus, String message, String requestId) {
        if (requestId != null) {
            res.headers().set(HeaderNames.create("X-Request-Id"), requestId);
        }
        head(res, grpcStatus, message);
        res.send();
    }

    /**
     * {@code grpc-message} is percent-encoded UTF-8 (gRPC over HTTP/2): every byte outside printable ASCII,
     * and {@code %} itself, as {@code %XX}, so no message can break the header block.
     */
    static String encodeMessage(String message) {
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length + 8);
        for (byte b : utf8) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
            }
        }
        return out.toString();
    }

    /**
     * Parses {@code grpc-timeout} ({@code 1..8 digits} then {@code H M S m u n}) into nanoseconds.
     *
     * @return the timeout, or -1 when the value is absent or malformed (then the call has no deadline of its
     *         own; a malformed one is not trusted to mean anything)
     */
    public static long timeoutNanos(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            amount = amount * 10 + (c - '0');
        }
        long unit = switch (value.charAt(value.length() - 1)) {
            case 'H' -> 3_600_000_000_000L;
            case 'M' -> 60_000_000_000L;
            case 'S' -> 1_000_000_000L;
            case 'm' -> 1_000_000L;
            case 'u' -> 1_000L;
            case 'n' -> 1L;
            default -> -1;
        };
        if (unit < 0) {
            return -1;
        }
        // 8 digits of hours overflow a long of nanoseconds: cap at ~292 years rather than wrap to negative
        return amount > Long.MAX_VALUE / unit ? Long.MAX_VALUE : amount * unit;
    }

    /** {@code nanos} as a {@code grpc-timeout} value: milliseconds, rounded up, at least 1. */
    static String timeoutValue(long nanos) {
        long millis = Math.max(1, (nanos + 999_999) / 1_000_000);
        return millis <= 99_999_999 ? millis + "m" : Math.min(99_999_999, millis / 1000) + "S";
    }
}
