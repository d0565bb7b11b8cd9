package stargate.node.grpc;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webclient.http2.GrpcClientConnection;
import io.helidon.webclient.http2.GrpcClientStream;
import io.helidon.webclient.http2.Http2ClientImpl;
import io.helidon.webclient.http2.Http2StreamConfig;

/**
 * One call to a gRPC target: an HTTP/2 stream on one of its {@link GrpcChannel}'s connections, read and
 * written frame by frame (as Helidon's own gRPC client does), so both directions stream at once.
 */
final class UpstreamCall extends GrpcClientStream {
    /**
     * How long one wait for response headers lasts before the caller looks at its deadline, read timeout and
     * client again (Helidon's wait has one fixed timeout per stream).
     */
    static final Duration POLL = Duration.ofMillis(250);

    private final AtomicBoolean connectionLost;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable onClose;
    private boolean openingSent;

    UpstreamCall(GrpcClientConnection connection, AtomicBoolean connectionLost, SocketContext socket,
                 Http2ClientImpl http2) {
        super(connection, socket, new StreamConfig(POLL), http2);
        this.connectionLost = connectionLost;
    }

    /**
     * Fails when the call's connection has closed or the server refused the call. Helidon does not wake the
     * streams of a connection that closes (the target went away), so the relay asks between its bounded waits.
     */
    void checkConnection() {
        if (refused()) {
            throw new IllegalStateException("the target refused the stream");
        }
        if (connectionLost.get()) {
            throw new IllegalStateException("the connection to the target closed");
        }
    }

    /**
     * Sends the request headers and, when the windows take it at once, the opening bytes of the body in the same
     * socket write ({@link #openingSent()} tells; else they are the caller's to send, as any other DATA).
     */
    void open(Http2Headers headers, Opening opening) {
        if (opening == null) {
            writeHeaders(headers, false);
        } else {
            openingSent = writeHeadersAndData(headers, BufferData.create(opening.bytes()), opening.last());
        }
    }

    /** Whether {@link #open} sent the opening bytes with the headers. */
    boolean openingSent() {
        return openingSent;
    }

    void onClose(Runnable hook) {
        this.onClose = hook;
    }

    @Override
    public void close() {
        super.close();
        Runnable hook = onClose;
        if (hook != null && closed.compareAndSet(false, true)) {
            hook.run();
        }
    }

    /** The first bytes of a call's body, known before the call starts, and whether they are all of it. */
    record Opening(byte[] bytes, boolean last) {
    }

    /** Nothing of the call reached the target (no connection, or its headers could not be sent): another may take it. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record StreamConfig(Duration readTimeout) implements Http2StreamConfig {
        @Override
        public boolean priorKnowledge() {
            return true;
        }

        @Override
        public int priority() {
            return 0;
        }
    }
}
