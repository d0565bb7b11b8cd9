package stargate.node.listener;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.socket.PlainSocket;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Exception;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelector.Support;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;
import stargate.node.proxy.ClientWatch;
import stargate.node.proxy.ErrorResponse;

/**
 * One connection under {@link ConnectionGuard}'s protection: the context its protocol reads and writes through
 * (noting when a read waits, when a head starts, when a write waits for the client), the protocol it serves,
 * and what the guard's watchdog checks on it ({@link #check}) and how it ends it (answered or cut), or lets it
 * linger after an early answer ({@link #linger}).
 */
final class GuardedConnection implements ServerConnection, ConnectionContext, ConnectionGuard.RequestPhase {
    private static final Logger LOG = Logger.getLogger(GuardedConnection.class.getName());
    /** How long closing a connection may take before the watchdog interrupts its thread. */
    private static final long CUT_GRACE_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int ENHANCE_YOUR_CALM = 0xb;
    static final ThreadLocal<GuardedConnection> CURRENT = new ThreadLocal<>();
    /** On an HTTP/2 stream's thread: its connection (set by the connection's executor). */
    static final ThreadLocal<GuardedConnection> STREAM_OF = new ThreadLocal<>();
    /** On an HTTP/2 stream's thread: whether its body paused too long. */
    static final ThreadLocal<Boolean> STREAM_BODY_TIMED_OUT = new ThreadLocal<>();
    /** Helidon's socket has no half-close; the java.net.Socket its PlainSocket (and TlsSocket) wraps has. */
    private static final Field SOCKET_OF = socketField();

    enum Phase { HEAD, REQUEST, IDLE, SWITCHED, LINGER }

    private static Field socketField() {
        try {
            Field field = PlainSocket.class.getDeclaredField("delegate");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warning("event=lingering_close_unavailable error=\"" + e + "\" note=\"a connection closed after an "
                    + "early answer may reach its client as a reset\"");
            return null;
        }
    }

    @FunctionalInterface
    private interface Serving {
        void serve() throws InterruptedException;
    }
    private final ConnectionGuard guard;
    private final ConnectionContext ctx;
    private final InetAddress address;
    private final DataReader reader;
    private final DataWriter writer;
    private final PeerInfo peer;
    private final List<ServerConnectionSelector> protocols;
    private final long openedNanos = System.nanoTime();
    private volatile ServerConnection delegate;
    volatile Phase phase = Phase.HEAD;      // the bytes that chose the protocol started a head
    private volatile long phaseSince = System.nanoTime();
    /** When the current blocking read began, or 0 while none is waiting. */
    private volatile long readingSince;
    /** When the current write to the client began, or 0 while none is under way. */
    private volatile long writingSince;
    volatile boolean bodyTimedOut;
    /** Whether the client sent any byte (after TLS): a connection cut before that is answered nothing. */
    private volatile boolean receivedBytes;
    final Http2FrameWatch frames = new Http2FrameWatch();
    /** The thread serving the connection (HTTP/1: also its requests), while it does. */
    private volatile Thread serving;
    /** When the watchdog began to end the connection, or 0. */
    private volatile long cutSince;
    private volatile boolean cutDone;
    /** HTTP/2 streams whose handler waits on the client now: in a read of its body, or a write of its answer. */
    private final Set<StreamWait> stalling = ConcurrentHashMap.newKeySet();
    private final ExecutorService streams = new StreamExecutor();
    /** HTTP/2's writer, which sends the frames of the connection's streams together; null for HTTP/1. */
    private volatile Http2SocketWriter http2Writer;
    private boolean finished;
    /** Set by the handler: its answer left request bytes unread, so the connection lingers before it closes. */
    volatile boolean lingerOnClose;

    GuardedConnection(ConnectionGuard guard, ConnectionContext ctx, InetAddress address,
                      List<ServerConnectionSelector> protocols) {
        this.guard = guard;
        this.ctx = ctx;
        this.address = address;
        this.protocols = protocols;
        DataReader identified = ctx.dataReader();
        HelidonSocket socket = ctx.serverSocket();
        this.reader = new DataReader(() -> {
            int buffered = identified.available();
            if (buffered > 0) {     // the bytes read to choose the protocol come first
                return identified.readBytes(buffered);
            }
            String violation = frames.violation();
            if (violation != null && delegate != null) {
                // Helidon answers this with a GOAWAY and ends the connection
                throw new Http2Exception(Http2ErrorCode.ENHANCE_YOUR_CALM, violation);
            }
            readingSince = System.nanoTime();
            byte[] bytes;
            try {
                bytes = socket.get();
            } catch (RuntimeException e) {
                if (RecordsWithoutData.endsAFlood(e)) {
                    guard.reject(ConnectionGuard.TLS_FLOOD, remotePeer().address() + " sent over " + RecordsWithoutData.MAX
                            + " TLS records in a row without data (KeyUpdate or empty records)");
                }
                throw e;
            } finally {
                readingSince = 0;
            }
            if (bytes != null && bytes.length > 0) {
                receivedBytes = true;
                scanFrames(bytes);
                if (phase == Phase.IDLE) {
                    phase(Phase.HEAD);
                }
            }
            return bytes;
        });
        this.writer = new WatchedWriter(ctx.dataWriter());
        this.peer = new ConnectionPeer(ctx.remotePeer());
    }

    private void scanFrames(byte[] bytes) {
        boolean broken = frames.violation() != null;
        frames.scan(bytes);
        if (!broken && frames.violation() != null) {
            guard.reject(ConnectionGuard.HTTP2_FLOOD, remotePeer().address() + " sent " + frames.violation());
        }
    }

    /**
     * An h2c upgrade: the client's preface comes next. A client may send it (and frames after it) with the
     * upgrade request, in the same read: those bytes are already in the reader, read past the frame watch
     * while it took them for HTTP/1, so it follows them from here. Without this, frames pipelined behind an
     * upgrade escaped the watch (an empty CONTINUATION flood, a header block that never ends: H2cUpgradeTest).
     */
    void expectPreface() {
        frames.expectPreface();
        int pipelined = reader.available();
        if (pipelined > 0) {
            byte[] bytes = new byte[pipelined];
            reader.getBuffer(pipelined).read(bytes);       // a view: Helidon still reads them
            scanFrames(bytes);
        }
    }

    /** The address of the client whose connection this thread serves (its TLS handshake runs here too), or null. */
    static InetAddress currentClient() {
        GuardedConnection connection = CURRENT.get();
        return connection == null ? null : connection.address;
    }

    void phase(Phase next) {
        phaseSince = System.nanoTime();
        phase = next;
    }

    @Override
    public void finished(boolean switchedProtocols) {
        phase(switchedProtocols ? Phase.SWITCHED : Phase.IDLE);
    }

    void check(long now) {
        long cut = cutSince;
        if (cut != 0) {
            if (!cutDone && now - cut > CUT_GRACE_NANOS) {
                interruptServing();
            }
            return;
        }
        long writing = writingSince;
        if (writing != 0 && now - writing > guard.limits.sendTimeout().toNanos()) {
            guard.reject(ConnectionGuard.SEND_TIMEOUT, remotePeer().address() + " read nothing of its response for "
                    + guard.limits.sendTimeout().toMillis() + " ms");
            cut(null);      // the blocked write fails; there is no way to answer a client that does not read
            return;
        }
        Phase current = phase;
        if (current == Phase.HEAD && now - phaseSince > guard.limits.headerTimeout().toNanos()) {
            guard.reject(ConnectionGuard.HEADER_TIMEOUT, remotePeer().address() + " sent no whole request head in "
                    + guard.limits.headerTimeout().toMillis() + " ms");
            // a client that sent nothing (or is still in its TLS handshake) gets no answer: there is nothing to answer
            cut(receivedBytes ? timeoutAnswer() : null);
        } else if (current == Phase.REQUEST) {
            long waiting = readingSince;
            if (waiting != 0 && now - waiting > guard.limits.bodyTimeout().toNanos()) {
                bodyTimedOut = true;
                guard.reject(ConnectionGuard.BODY_TIMEOUT, remotePeer().address() + " paused its request body over "
                        + guard.limits.bodyTimeout().toMillis() + " ms");
                cut(null);      // the handler's read fails; it answers nobody
            }
        } else if (current == Phase.LINGER) {
            long waiting = readingSince;
            if (now - phaseSince > guard.lingerNanos || waiting != 0 && now - waiting > guard.lingerPauseNanos) {
                cut(null);      // the linger's read fails: the connection closes
            }
        } else if (current == Phase.SWITCHED) {
            for (StreamWait wait : stalling) {
                wait.check(now);
            }
            long block = frames.headerBlockSince();
            if (block != 0 && now - block > guard.limits.headerTimeout().toNanos()) {
                guard.reject(ConnectionGuard.HEADER_TIMEOUT, remotePeer().address() + " left an HTTP/2 header block open over "
                        + guard.limits.headerTimeout().toMillis() + " ms");
                cut(new BufferData[] {frames.goAway(ENHANCE_YOUR_CALM)});
            }
        }
    }

    /** The 408 for a head that came too late: only while a head is being read, so nothing of a response was written. */
    private BufferData[] timeoutAnswer() {
        byte[] body = ErrorResponse.json(408, "client_timeout", "the request head did not arrive within "
                + guard.limits.headerTimeout().toMillis() + " ms", null).getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        return new BufferData[] {BufferData.create(head.getBytes(StandardCharsets.US_ASCII)), BufferData.create(body)};
    }

    /**
     * Ends the connection, after writing {@code last} (if any), on a thread of its own: closing a TLS socket
     * takes the lock its handshake holds while it waits for the client, and a write can block on a client
     * that does not read. If that has not ended the connection soon, the watchdog interrupts the
     * connection's thread (an interrupted channel read closes the channel).
     */
    private void cut(BufferData[] last) {
        cutSince = System.nanoTime();
        Thread.ofVirtual().name("stargate-guard-cut").start(() -> {
            if (last != null) {
                try {
                    ctx.dataWriter().writeNow(last);
                } catch (RuntimeException e) {
                    // the client is gone already
                }
            }
            closeSocket();
            cutDone = true;
        });
    }

    private synchronized void interruptServing() {
        Thread thread = serving;
        if (!finished && thread != null) {
            serving = null;     // once
            thread.interrupt();
        }
    }

    @Override
    public void handle(Semaphore requestSemaphore) throws InterruptedException {
        handle(() -> delegate.handle(requestSemaphore));
    }

    @Override
    public void handle(io.helidon.common.concurrency.limits.Limit limit) throws InterruptedException {
        handle(() -> delegate.handle(limit));
    }

    private void handle(Serving serving) throws InterruptedException {
        this.serving = Thread.currentThread();
        guard.served.add(this);
        CURRENT.set(this);
        try {
            ServerConnectionSelector protocol = choose();
            if (protocol != null && !(protocol instanceof Http1ConnectionSelector)) {
                phase(Phase.SWITCHED);      // HTTP/2: streams run on threads of their own, with HTTP/2's limits
                writeHttp2(true);
            }
            if (protocol != null) {
                delegate = protocol.connection(this);
                serving.serve();
            }
        } catch (DataReader.InsufficientDataAvailableException e) {
            // closed by the client before a whole first line: a TCP health check, a port scan, a TLS
            // client that only shook hands. Nothing to answer; Helidon would log a stack trace for each
        } catch (java.io.UncheckedIOException e) {
            if (delegate != null) {
                throw e;
            }
            // the client's socket failed before a protocol was chosen: it left in its TLS handshake (a reset,
            // a broken pipe as the node answers its ClientHello) or was cut there. Nothing to answer, and Helidon
            // would log a WARNING with a stack trace for each, a log flood at an attacker's command
            LOG.fine(() -> "event=connection_failed_before_protocol peer=" + remotePeer().address() + " error=\"" + e.getMessage() + "\"");
        } catch (RuntimeException e) {
            if (ctx.serverSocket().isConnected()) {
                throw e;
            }
            // closed by the watchdog, or by the client, while the protocol was being chosen
        } finally {
            Http2SocketWriter http2 = http2Writer;
            if (http2 != null) {
                http2.drain();      // a last GOAWAY goes out before Helidon closes the socket
            } else if (lingerOnClose && phase != Phase.SWITCHED && cutSince == 0) {
                linger();
            }
            CURRENT.remove();
            finish();
        }
    }

    /**
     * nginx's lingering close: closing a socket whose client is still sending makes the kernel answer the
     * next bytes with a reset, which can destroy the answer in the client's buffers before it reads it (a
     * client still uploading sees "connection reset" instead of its 413). So the node ends its side
     * first (FIN: the client knows the answer is whole), then reads and discards what the client still
     * sends until it closes too: at most {@link ConnectionGuard#LINGER_BYTES}, and (the watchdog cuts it) no pause longer
     * than the body timeout or 5 s, no longer than the body timeout or 30 s in all. The connection still
     * counts against the connection limits meanwhile, so lingering cannot be used to open more.
     *
     * <p>Plain TCP only: Helidon's TLS socket (TlsNioSocket, over an SSLEngine) has no half-close to reach,
     * so a TLS connection still closes at once after such an answer.
     */
    private void linger() {
        HelidonSocket socket = ctx.serverSocket();
        if (SOCKET_OF == null || !(socket instanceof PlainSocket plain) || !socket.isConnected()) {
            return;
        }
        phase(Phase.LINGER);
        if (guard.stopping) {
            return;     // the listeners stop: nobody waits for the rest (stopping is set before lingerers are ended)
        }
        try {
            ((Socket) SOCKET_OF.get(plain)).shutdownOutput();
            long discarded = 0;
            while (discarded < ConnectionGuard.LINGER_BYTES) {
                readingSince = System.nanoTime();
                byte[] bytes = socket.get();
                if (bytes == null) {
                    break;      // the client closed: nothing is unread, the close sends no reset
                }
                discarded += bytes.length;
            }
        } catch (IOException | IllegalAccessException | RuntimeException e) {
            // the client reset, or the watchdog cut the connection at a bound: it closes either way
        } finally {
            readingSince = 0;
        }
    }

    /** Ends the connection if it is lingering (its answer is sent; only discarded bytes are left to read). */
    void endLinger() {
        if (phase == Phase.LINGER && cutSince == 0) {
            cut(null);
        }
    }

    /** Makes the connection's writer an {@link Http2SocketWriter} (or its own again): before HTTP/2 takes it. */
    void writeHttp2(boolean http2) {
        http2Writer = http2 ? new Http2SocketWriter(writer, this::closeSocket) : null;     // its writes timed too
    }

    /** By ALPN, else by the first bytes (read under the head deadline); null when none speaks them. */
    private ServerConnectionSelector choose() {
        if (protocols.size() == 1) {
            return protocols.getFirst();
        }
        HelidonSocket socket = ctx.serverSocket();
        if (socket.protocolNegotiated()) {
            for (ServerConnectionSelector protocol : protocols) {
                if (protocol.supportedApplicationProtocols().contains(socket.protocol())) {
                    return protocol;
                }
            }
        }
        List<ServerConnectionSelector> candidates = new ArrayList<>(protocols);
        reader.ensureAvailable();
        while (true) {
            BufferData bytes = reader.getBuffer(reader.available());
            for (var it = candidates.iterator(); it.hasNext(); ) {
                ServerConnectionSelector candidate = it.next();
                if (candidate.bytesToIdentifyConnection() > bytes.available()) {
                    continue;
                }
                Support support = candidate.supports(bytes);
                bytes.rewind();
                if (support == Support.SUPPORTED) {
                    return candidate;
                }
                if (support == Support.UNSUPPORTED) {
                    it.remove();
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            reader.pullData();
        }
    }

    synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        serving = null;
        guard.served.remove(this);
        guard.open.decrementAndGet();
        if (address != null) {
            guard.release(address);
        }
    }

    @Override
    public Duration idleTime() {
        ServerConnection serving = delegate;
        return serving != null ? serving.idleTime() : Duration.ofNanos(System.nanoTime() - openedNanos);
    }

    @Override
    public void close(boolean interrupt) {
        ServerConnection serving = delegate;
        if (serving != null) {
            serving.close(interrupt);
        } else {
            closeSocket();
        }
    }

    /** Closes the client socket; one the client or the listener closed already is no error. */
    private void closeSocket() {
        try {
            ctx.serverSocket().close();
        } catch (java.io.UncheckedIOException e) {
            // closed already
        }
    }

    // ConnectionContext: the connection's own, but for the reader

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public ListenerContext listenerContext() {
        return ctx.listenerContext();
    }

    @Override
    public ExecutorService executor() {
        return streams;
    }

    /**
     * The connection's executor, marking the threads that HTTP/2 runs streams on, so that their bodies
     * can be watched ({@link ConnectionGuard#clientWatch}).
     */
    private final class StreamExecutor extends java.util.concurrent.AbstractExecutorService {
        @Override
        public void execute(Runnable task) {
            if (phase != Phase.SWITCHED) {
                ctx.executor().execute(task);
                return;
            }
            ctx.executor().execute(() -> {
                STREAM_OF.set(GuardedConnection.this);
                try {
                    task.run();
                } finally {
                    STREAM_OF.remove();
                    STREAM_BODY_TIMED_OUT.remove();
                }
            });
        }

        @Override
        public void shutdown() {
            ctx.executor().shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return ctx.executor().shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return ctx.executor().isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return ctx.executor().isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
            return ctx.executor().awaitTermination(timeout, unit);
        }
    }

    /**
     * An HTTP/2 stream's thread waiting on its client: in a read of its body (for the next DATA frame) or in a
     * write of its answer (for a WINDOW_UPDATE). A wait past its deadline interrupts the thread out of Helidon's
     * wait, and fails; the stream ends, the connection's other streams go on.
     */
    private final class StreamWait {
        private final Thread thread = Thread.currentThread();
        private final boolean body;
        private final Duration timeout;
        private long since;             // guarded by this
        private boolean timedOut;       // guarded by this

        /** @param body a wait for the request body (else for the client to take a write of the answer) */
        StreamWait(boolean body) {
            this.body = body;
            this.timeout = body ? guard.limits.bodyTimeout() : guard.limits.sendTimeout();
        }

        synchronized void begin() {
            since = System.nanoTime();
            stalling.add(this);
        }

        synchronized void end() {
            since = 0;
            stalling.remove(this);
            if (timedOut) {
                Thread.interrupted();       // delivered under this lock, so it cannot arrive later
                if (body) {
                    STREAM_BODY_TIMED_OUT.set(Boolean.TRUE);
                    throw new ConnectionGuard.BodyStalledException(timeout);
                }
                throw new ConnectionGuard.AnswerStalledException(timeout);
            }
        }

        synchronized void check(long now) {
            if (since != 0 && !timedOut && now - since > timeout.toNanos()) {
                timedOut = true;
                if (body) {
                    guard.reject(ConnectionGuard.BODY_TIMEOUT, remotePeer().address() + " paused an HTTP/2 request body over "
                            + timeout.toMillis() + " ms");
                } else {
                    guard.reject(ConnectionGuard.SEND_TIMEOUT, remotePeer().address() + " took nothing of an HTTP/2 answer in "
                            + timeout.toMillis() + " ms");
                }
                thread.interrupt();
            }
        }
    }

    /** An HTTP/2 stream's body, each read timed by the body timeout. */
    final class StreamBody extends java.io.FilterInputStream {
        private final StreamWait wait = new StreamWait(true);

        StreamBody(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            wait.begin();
            try {
                return super.read();
            } finally {
                wait.end();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            wait.begin();
            try {
                return super.read(b, off, len);
            } finally {
                wait.end();
            }
        }
    }

    /** The watch of an exchange on one of this connection's HTTP/2 streams (made on the stream's thread). */
    ClientWatch streamWatch() {
        StreamWait writes = new StreamWait(false);
        return new ClientWatch() {
            @Override
            public InputStream body(InputStream body) {
                return new StreamBody(body);
            }

            @Override
            public void write(Write write) throws IOException {
                writes.begin();
                try {
                    write.run();
                } finally {
                    writes.end();
                }
            }
        };
    }

    @Override
    public DataWriter dataWriter() {
        Http2SocketWriter http2 = http2Writer;
        return http2 != null ? http2 : writer;
    }

    /**
     * The connection's writer (HTTP/1 and HTTP/2 write through it), marking when each write starts for the
     * send deadline. A write of more than {@link #SEND_PIECE} bytes goes out in pieces of that size, each
     * timed on its own: the deadline bounds a pause in the client's reading, not how long a large answer
     * takes to a slow but reading client. The listener's socket writer is direct (write queue 0), so
     * {@code write} is {@code writeNow} here.
     */
    private final class WatchedWriter implements DataWriter {
        /** The most bytes one timed write hands the socket: what a slow client must take per send timeout. */
        static final int SEND_PIECE = 64 * 1024;
        private final DataWriter socket;

        WatchedWriter(DataWriter socket) {
            this.socket = socket;
        }

        @Override
        public void write(BufferData... buffers) {
            writeNow(buffers);
        }

        @Override
        public void write(BufferData buffer) {
            writeNow(buffer);
        }

        @Override
        public void writeNow(BufferData... buffers) {
            int total = 0;
            for (BufferData buffer : buffers) {
                total += buffer.available();
            }
            if (total <= SEND_PIECE) {
                writingSince = System.nanoTime();
                try {
                    socket.writeNow(buffers);
                } finally {
                    writingSince = 0;
                }
                return;
            }
            for (BufferData buffer : buffers) {
                writeNow(buffer);
            }
        }

        @Override
        public void writeNow(BufferData buffer) {
            while (buffer.available() > SEND_PIECE) {
                byte[] piece = new byte[SEND_PIECE];
                buffer.read(piece);
                timedWrite(BufferData.create(piece));
            }
            timedWrite(buffer);
        }

        private void timedWrite(BufferData buffer) {
            writingSince = System.nanoTime();
            try {
                socket.writeNow(buffer);
            } finally {
                writingSince = 0;
            }
        }

        @Override
        public void flush() {
            socket.flush();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    @Override
    public Router router() {
        return ctx.router();
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return ctx.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return ctx.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return peer;
    }

    @Override
    public PeerInfo localPeer() {
        return ctx.localPeer();
    }

    @Override
    public boolean isSecure() {
        return ctx.isSecure();
    }

    @Override
    public String socketId() {
        return ctx.socketId();
    }

    @Override
    public String childSocketId() {
        return ctx.childSocketId();
    }
}
