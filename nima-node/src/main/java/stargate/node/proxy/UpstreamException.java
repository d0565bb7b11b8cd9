package stargate.node.proxy;

/**
 * The upstream exchange failed before any response byte reached the client, so the caller can still
 * answer with an error (see {@link ErrorResponse#send(io.helidon.webserver.http.ServerResponse,
 * UpstreamException, String)}) or retry on another target.
 *
 * <p>A retry is only safe when {@link #requestBodyConsumed()} is false: once a byte of the client's
 * body was read it cannot be replayed. Failures after the response started never surface as this
 * type: the client connection is aborted instead.
 */
public final class UpstreamException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, with the HTTP status and SPEC §5 error code the client gets for it. */
    public enum Kind {
        /** Connect refused, unreachable, unknown host, connect timed out or TLS handshake failed. */
        CONNECT_FAILED(502, "upstream_unreachable"),
        /** No progress on the upstream connection for the read timeout (first byte or between bytes). */
        TIMEOUT(504, "upstream_timeout"),
        /** Malformed or oversized response head, or the connection was lost before a complete head. */
        BAD_RESPONSE(502, "bad_gateway"),
        /**
         * Every connection of the target (its {@code pool.max_connections}) stayed busy for the whole
         * connect timeout. 503: the upstream is healthy but saturated, so the client may retry later.
         */
        POOL_EXHAUSTED(503, "upstream_busy");

        private final int status;
        private final String error;

        Kind(int status, String error) {
            this.status = status;
            this.error = error;
        }

        /** @return the HTTP status to answer with */
        public int status() {
            return status;
        }

        /** @return the {@code error} code of the JSON error body */
        public String error() {
            return error;
        }
    }

    private final Kind kind;
    private final boolean requestBodyConsumed;

    UpstreamException(Kind kind, String message, boolean requestBodyConsumed, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.requestBodyConsumed = requestBodyConsumed;
    }

    /** @return what went wrong */
    public Kind kind() {
        return kind;
    }

    /** @return whether any byte of the client's request body was read (then it cannot be resent) */
    public boolean requestBodyConsumed() {
        return requestBodyConsumed;
    }
}
