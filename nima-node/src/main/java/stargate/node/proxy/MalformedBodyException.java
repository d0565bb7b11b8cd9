package stargate.node.proxy;

/**
 * The client's request body breaks HTTP/1.1 framing (a chunk-size line that is not hex, a bare LF, a
 * size past 2^32...), found while it was streamed upstream. The request cannot be delimited, so the
 * bytes after it cannot be trusted to start a next request: the caller answers 400 and closes the
 * connection (RFC 9112 §11.2, request smuggling). The upstream connection it was going to is dropped.
 */
public final class MalformedBodyException extends RuntimeException {
    MalformedBodyException(RuntimeException cause) {
        super("malformed request body (its chunked framing could not be read)", cause, false, false);
    }
}
