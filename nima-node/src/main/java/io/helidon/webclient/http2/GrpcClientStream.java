package io.helidon.webclient.http2;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameType;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2RstStream;
import io.helidon.http.http2.Http2Settings;

/**
 * A stream of a {@link GrpcClientConnection}: counts the DATA it received but did not read, so that closing it
 * gives that back to the connection window, and knows whether the server refused it (RST_STREAM
 * REFUSED_STREAM, or a GOAWAY whose last-stream-id is below it): such a stream was never processed, so its
 * call may go elsewhere whatever it does.
 */
public class GrpcClientStream extends Http2ClientStream {
    private static final Logger LOG = Logger.getLogger(GrpcClientStream.class.getName());
    private final GrpcClientConnection connection;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: DATA bytes received and not read; closed once the stream closes. */
    private long unread;
    private boolean closedForCredit;
    private final AtomicLong pendingCredit = new AtomicLong();
    private volatile boolean refused;

    protected GrpcClientStream(GrpcClientConnection connection, SocketContext ctx, Http2StreamConfig config,
                               Http2ClientImpl http2) {
        super(connection, Http2Settings.create(), ctx, config, http2.prototype(), connection.streamIdSequence(), http2);
        this.connection = connection;
    }

    /** Whether the server refused the stream: it never processed it. */
    public boolean refused() {
        return refused;
    }

    public GrpcClientConnection grpcConnection() {
        return connection;
    }

    /**
     * Opens the stream with its headers and a first DATA frame in one socket write (Helidon writes each frame on its
     * own: two syscalls for a unary call's request), when the frame fits the windows and the peer's frame size.
     *
     * Fails only when the headers could not be written (nothing reached the server). A DATA frame that fails
     * (the stream was refused or reset meanwhile) counts as sent: whoever reads the stream sees why.
     *
     * @return false when the frame did not fit: only the headers went, the data is the caller's to send
     */
    public boolean writeHeadersAndData(Http2Headers headers, BufferData data, boolean endOfStream) {
        connection.cork();
        try {
            writeHeaders(headers, false);
            FlowControl.Outbound window = flowControl().outbound();
            if (data.available() > Math.min(window.getRemainingWindowSize(), window.maxFrameSize())) {
                return false;
            }
            try {
                writeData(data, endOfStream);
            } catch (RuntimeException e) {
                LOG.fine(() -> "event=grpc_opening_not_sent stream=" + streamId() + " error=" + e);
            }
            return true;
        } finally {
            connection.uncork();        // a failure here is the socket's: nothing of the call went out
        }
    }

    @Override
    public boolean rstStream(Http2RstStream rstStream) {
        if (rstStream.errorCode() == Http2ErrorCode.REFUSED_STREAM) {
            refused = true;
        }
        return super.rstStream(rstStream);
    }

    @Override
    public Http2FrameData readOne(Duration pollTimeout) {
        Http2FrameData frame = super.readOne(pollTimeout);
        if (frame != null && frame.header().type() == Http2FrameType.DATA) {
            lock.lock();
            try {
                if (!closedForCredit) {
                    unread -= frame.header().length();
                }
            } finally {
                lock.unlock();
            }
        }
        return frame;
    }

    @Override
    public void close() {
        super.close();
        long left;
        lock.lock();
        try {
            if (closedForCredit) {
                return;
            }
            closedForCredit = true;
            left = unread;
            unread = 0;
        } finally {
            lock.unlock();
        }
        if (left > 0) {
            connection.giveBack((int) left);
        }
    }

    /** Marks the stream refused by a GOAWAY and wakes its reader, as a RST_STREAM REFUSED_STREAM would. */
    void refuse() {
        refused = true;
        try {
            rstStream(new Http2RstStream(Http2ErrorCode.REFUSED_STREAM));
        } catch (RuntimeException e) {
            close();                // not open yet (or already closed): closing is all there is to do
        }
    }

    /** @return false when the stream has closed: the connection gives the bytes back itself */
    boolean received(int length) {
        lock.lock();
        try {
            if (closedForCredit) {
                return false;
            }
            unread += length;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds read bytes to the stream's pending WINDOW_UPDATE; @return what to send now (0: not yet) */
    long credit(int increment, int threshold) {
        if (pendingCredit.addAndGet(increment) < threshold) {
            return 0;
        }
        return pendingCredit.getAndSet(0);
    }
}
