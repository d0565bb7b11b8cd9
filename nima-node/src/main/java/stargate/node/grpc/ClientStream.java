package stargate.node.grpc;

import java.lang.reflect.Field;
import java.util.logging.Logger;

import io.helidon.http.http2.Http2Exception;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Stream;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

/**
 * Whether the client has reset its HTTP/2 stream, or has already sent its whole body: what Helidon 4.5's
 * server API does not tell a handler. The relay needs the first twice: to cancel the upstream call at once,
 * and never to write to a stream the client reset. Helidon would send those frames, the client would answer
 * them with RST_STREAM, and Helidon answers a RST_STREAM on a stream it has forgotten, while a newer one is
 * open, with GOAWAY PROTOCOL_ERROR, failing every call on the connection. The second lets the relay send a
 * unary call's body on the handler's own thread, without a thread to pump it.
 *
 * <p>Read through the response's (package-private) stream field; should a Helidon version move it, the
 * lookup fails once at start-up (logged) and every stream then counts as open with its body still coming:
 * calls still work, a client's reset is then seen only when its request body ends early.
 */
final class ClientStream {
    private static final Logger LOG = Logger.getLogger(ClientStream.class.getName());
    private static final Field STREAM = streamField();

    private final Http2Stream stream;

    private ClientStream(Http2Stream stream) {
        this.stream = stream;
    }

    static ClientStream of(ServerResponse res) {
        if (STREAM != null && STREAM.getDeclaringClass().isInstance(res)) {
            try {
                return new ClientStream((Http2Stream) STREAM.get(res));
            } catch (IllegalAccessException | ClassCastException e) {
                return new ClientStream(null);
            }
        }
        return new ClientStream(null);
    }

    /** Whether the client reset the stream (RST_STREAM) or its connection closed. */
    boolean reset() {
        return stream != null && stream.streamState() == Http2StreamState.CLOSED;
    }

    /**
     * Whether the client's whole request body has arrived (its END_STREAM came in; Helidon queues every DATA
     * frame before marking that), so reading it cannot wait on the client. False when unknown.
     */
    boolean bodyComplete() {
        return stream != null && stream.streamState() == Http2StreamState.HALF_CLOSED_REMOTE;
    }

    /**
     * Ends the handler without writing to the stream: Helidon answers this exception with a RST_STREAM
     * (which a client ignores on a stream it reset) instead of committing the response.
     */
    static CloseConnectionException abandon() {
        return new CloseConnectionException("the client reset the stream",
                new Http2Exception(Http2ErrorCode.CANCEL, "the client reset the stream"));
    }

    private static Field streamField() {
        try {
            Field field = Class.forName("io.helidon.webserver.http2.Http2ServerResponse").getDeclaredField("stream");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warning(() -> "event=grpc_stream_state_unavailable error=" + e);
            return null;
        }
    }
}
