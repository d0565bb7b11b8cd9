package io.helidon.webclient.http2;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.http.http2.ConnectionFlowControl;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2ConnectionWriter;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2GoAway;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2Setting;
import io.helidon.http.http2.Http2Settings;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2WindowUpdate;
import io.helidon.webclient.api.ClientConnection;

/**
 * Helidon 4.5.0's HTTP/2 client connection with what the node's gRPC proxy ({@code stargate.node.grpc}) needs
 * of a connection that lives long and carries many calls. In Helidon's package because its hooks are
 * package-private (on the class path, as the node runs); a Helidon that changes them fails the build.
 *
 * <ul>
 *   <li>Flow control: the windows are this connection's own. Helidon drops the DATA of a stream already
 *       closed and the DATA a closed stream left unread without giving it back to the connection window (every
 *       stream cut with data in flight shrank the window until the connection stalled for good); it skips an
 *       older stream's WINDOW_UPDATE while a newer stream is open (a long stream stalled for good); and it
 *       counts the connection's pending update in a plain int from every stream's thread. Here both windows are
 *       given back in updates of at least half a window, counted atomically.</li>
 *   <li>GOAWAY: the connection drains instead of closing at once (Helidon failed every call in flight): the
 *       streams the server took (id at most its last-stream-id) go on, the others are refused
 *       ({@link GrpcClientStream#refused()}), no new stream starts on it.</li>
 *   <li>The server's {@code SETTINGS_MAX_CONCURRENT_STREAMS} is known ({@link #peerMaxConcurrentStreams()}),
 *       so a pool can open another connection instead of being refused.</li>
 *   <li>Writes: a stream can open with its headers and first DATA frame in one socket write
 *       ({@link GrpcClientStream#writeHeadersAndData}, through a {@link CorkedWriter}); Helidon writes each
 *       frame on its own. A window is checked and taken under the connection's write lock.</li>
 * </ul>
 */
public final class GrpcClientConnection extends Http2ClientConnection {
    private static final Logger LOG = Logger.getLogger(GrpcClientConnection.class.getName());

    private final ConnectionFlowControl flow;
    private final CorkedWriter socketWriter;
    private final Http2ConnectionWriter frameWriter;
    private final Map<Integer, GrpcClientStream> streams = new ConcurrentHashMap<>();
    private final AtomicLong connectionCredit = new AtomicLong();
    /** Window given back in one WINDOW_UPDATE: half the window announced, as Helidon's bisection strategy does. */
    private final int updateThreshold;
    private volatile long peerMaxConcurrentStreams = Long.MAX_VALUE;
    /** The last-stream-id of the server's latest GOAWAY (a graceful one first says MAX_VALUE, then the real one). */
    private volatile int goAwayLastStreamId = Integer.MAX_VALUE;
    private volatile boolean draining;

    private GrpcClientConnection(Http2ClientImpl http2, CorkedConnection connection) {
        super(http2, connection);
        this.socketWriter = connection.writer();
        this.frameWriter = new FrameWriter(connection.helidonSocket(), socketWriter);
        Http2ClientProtocolConfig config = http2.protocolConfig();
        this.updateThreshold = Math.max(1, config.initialWindowSize() / 2);
        // A "max frame size" as big as the window picks Helidon's simple strategy: every credit reaches
        // windowUpdate, which batches it (atomically) itself
        this.flow = ConnectionFlowControl.clientBuilder(this::windowUpdate)
                .initialWindowSize(config.initialWindowSize())
                .maxFrameSize(config.initialWindowSize())
                .blockTimeout(config.flowControlBlockTimeout())
                .build();
    }

    /**
     * Opens the HTTP/2 connection on a connected socket: preface, SETTINGS, and the server's SETTINGS awaited.
     */
    public static GrpcClientConnection open(Http2ClientImpl http2, ClientConnection connection) {
        return create(new GrpcClientConnection(http2, new CorkedConnection(connection)), http2, true);
    }

    /** The server's limit of concurrent streams on this connection (unlimited until it says one). */
    public long peerMaxConcurrentStreams() {
        return peerMaxConcurrentStreams;
    }

    /** Whether the server sent GOAWAY: no new stream may start here. */
    public boolean draining() {
        return draining;
    }

    @Override
    ConnectionFlowControl flowControl() {
        return flow;
    }

    /** The streams' frames (HEADERS with HPACK, DATA, RST_STREAM, WINDOW_UPDATE) go through the corked writer. */
    @Override
    Http2ConnectionWriter writer() {
        return frameWriter;
    }

    /** Frames written from now on wait and go out together at {@link #uncork()}. */
    void cork() {
        socketWriter.cork();
    }

    void uncork() {
        socketWriter.uncork();
    }

    @Override
    public void addStream(int streamId, Http2ClientStream stream) {
        super.addStream(streamId, stream);
        if (stream instanceof GrpcClientStream tracked) {
            streams.put(streamId, tracked);
            if (streamId > goAwayLastStreamId) {
                tracked.refuse();          // started as the GOAWAY came in: the server ignores it
            }
        }
    }

    @Override
    public void removeStream(int streamId) {
        super.removeStream(streamId);
        streams.remove(streamId);
    }

    @Override
    boolean handle(Http2FrameHeader frameHeader, BufferData data) {
        int streamId = frameHeader.streamId();
        return switch (frameHeader.type()) {
            case DATA -> {
                GrpcClientStream stream = streams.get(streamId);
                if (stream == null && stream(streamId) != null) {
                    yield super.handle(frameHeader, data);      // a plain Helidon stream: its own accounting
                }
                if (stream == null || !stream.received(frameHeader.length())) {
                    // the stream is gone: what the server sent still counts against the connection window
                    flow.decrementInboundConnectionWindowSize(frameHeader.length());
                    giveBack(frameHeader.length());
                    yield true;
                }
                yield super.handle(frameHeader, data);
            }
            case GO_AWAY -> goAway(Http2GoAway.create(data));
            case SETTINGS -> {
                if (frameHeader.flags() != 0) {
                    yield super.handle(frameHeader, data);     // an ACK
                }
                byte[] bytes = data.readBytes();
                Http2Settings settings = Http2Settings.create(BufferData.create(bytes));
                boolean handled = super.handle(frameHeader, BufferData.create(bytes));
                settings.presentValue(Http2Setting.MAX_CONCURRENT_STREAMS).ifPresent(max -> peerMaxConcurrentStreams = max);
                settings.presentValue(Http2Setting.MAX_FRAME_SIZE).ifPresent(size -> flow.resetMaxFrameSize(size.intValue()));
                settings.presentValue(Http2Setting.INITIAL_WINDOW_SIZE)
                        .ifPresent(size -> flow.resetInitialWindowSize(size.intValue()));
                yield handled;
            }
            case WINDOW_UPDATE -> {
                if (streamId != 0) {
                    yield super.handle(frameHeader, data);
                }
                byte[] bytes = data.readBytes();
                flow.incrementOutboundConnectionWindowSize(Http2WindowUpdate.create(BufferData.create(bytes))
                                                                   .windowSizeIncrement());
                yield super.handle(frameHeader, BufferData.create(bytes));  // Helidon's checks (zero, overflow)
            }
            default -> super.handle(frameHeader, data);
        };
    }

    /** Gives DATA bytes the application will never read back to the connection window. */
    void giveBack(int bytes) {
        flow.incrementInboundConnectionWindowSize(bytes);
    }

    private boolean goAway(Http2GoAway goAway) {
        draining = true;
        goAwayLastStreamId = goAway.lastStreamId();
        LOG.fine(() -> "event=grpc_goaway last_stream_id=" + goAway.lastStreamId() + " error=" + goAway.errorCode());
        streams.forEach((id, stream) -> {
            if (id > goAway.lastStreamId()) {
                stream.refuse();
            }
        });
        if (goAway.errorCode() != Http2ErrorCode.NO_ERROR) {
            close();                // the server is failing the connection: as Helidon does
            return false;
        }
        return true;                // the server closes the socket once its streams are done
    }

    private void windowUpdate(int streamId, Http2WindowUpdate update) {
        int increment = update.windowSizeIncrement();
        long send;
        if (streamId == 0) {
            if (connectionCredit.addAndGet(increment) < updateThreshold) {
                return;
            }
            send = connectionCredit.getAndSet(0);
        } else {
            GrpcClientStream stream = streams.get(streamId);
            if (stream == null || stream.streamState() == Http2StreamState.CLOSED) {
                return;
            }
            send = stream.credit(increment, updateThreshold);
        }
        if (send > 0) {
            writer().write(new Http2WindowUpdate((int) send).toFrameData(null, streamId, Http2Flag.NoFlags.create()));
        }
    }

    /**
     * Helidon's frame writer, each write taken under the socket writer's lock first (so Helidon's own writer of
     * control frames, the connection's, cannot slip a frame between a HEADERS and its CONTINUATIONs, and a window
     * is checked and taken atomically), and a DATA frame that has to wait for a window releases its thread's cork
     * first: a corked call never waits holding other frames back.
     */
    private static final class FrameWriter extends Http2ConnectionWriter {
        private final CorkedWriter socketWriter;
        private final ReentrantLock lock;

        FrameWriter(SocketContext ctx, CorkedWriter socketWriter) {
            super(ctx, socketWriter, List.of());
            this.socketWriter = socketWriter;
            this.lock = socketWriter.lock();
        }

        @Override
        public void write(Http2FrameData frame) {
            lock.lock();
            try {
                super.write(frame);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags,
                                FlowControl.Outbound flowControl) {
            lock.lock();
            try {
                return super.writeHeaders(headers, streamId, flags, flowControl);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, Http2FrameData dataFrame,
                                FlowControl.Outbound flowControl) {
            int written = writeHeaders(headers, streamId, flags, flowControl);
            writeData(dataFrame, flowControl);
            return written + Http2FrameHeader.LENGTH + dataFrame.header().length();
        }

        /** As Helidon's: frames of at most the peer's max size, each sent as far as the windows allow, then waits. */
        @Override
        public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
            for (Http2FrameData piece : frame.split(flowControl.maxFrameSize())) {
                Http2FrameData rest = piece;
                while (rest != null) {
                    lock.lock();
                    try {
                        int length = rest.header().length();
                        int window = flowControl.getRemainingWindowSize();
                        if (length <= window) {
                            super.write(rest);
                            flowControl.decrementWindowSize(length);
                            rest = null;
                        } else {
                            if (window > 0) {
                                Http2FrameData[] parts = rest.cut(window);
                                super.write(parts[0]);
                                flowControl.decrementWindowSize(parts[0].header().length());
                                rest = parts[1];
                            }
                            socketWriter.release();
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (rest != null) {
                        flowControl.blockTillUpdate();
                    }
                }
            }
        }
    }

    /** The TCP connection, its writer corkable. */
    private static final class CorkedConnection extends ForwardingClientConnection {
        private final CorkedWriter writer;

        CorkedConnection(ClientConnection tcp) {
            super(tcp);
            this.writer = new CorkedWriter(tcp.writer());
        }

        @Override
        public CorkedWriter writer() {
            return writer;
        }
    }
}
