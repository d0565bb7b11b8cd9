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
import io.helidon.http.HttpPrologue;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Exception;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelector.Support;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;
import stargate.node.proxy.ErrorResponse;

/**
 * Client protection at the connection (SPEC §14): connection limits node-wide and per client
 * address, a deadline for a whole request head, and a bound on each pause in a request body.
 *
 * <p>Helidon reads client sockets itself and has none of these, so one selector of ours stands in
 * for the protocols' own ({@link #guard}): Helidon hands it every connection before reading a byte; a
 * connection over a limit is closed at once; the others choose their protocol (HTTP/1 or HTTP/2, by
 * ALPN or by their first bytes) under the head deadline and read through a {@link DataReader} that
 * notes when it waits for bytes and when a head starts, and write through a {@link DataWriter} that notes
 * when a write waits for the client to read. The handler marks when a request's head is complete and when its answer is done
 * ({@link #requestStarted}, {@link RequestPhase#finished}; HTTP/1 serves a connection's requests on its own
 * thread, so a thread-local finds it). A watchdog thread closes a connection whose head is late (with
 * a 408 {@code client_timeout}), whose body paused too long, or that stopped reading what it is sent (a
 * write blocked past {@code --client-send-timeout}: the slow-read attack, which would otherwise hold the
 * request's thread, and the upstream connection it relays from, for as long as the client likes).
 *
 * <p>A connection that never sends a byte, or stalls in its TLS handshake, is in its head phase from the
 * start, so the head deadline ends it (unanswered). The watchdog never writes or closes itself: a TLS close
 * waits for the lock a stalled handshake holds, so each cut runs on a thread of its own, and the
 * connection's thread is interrupted if that has not ended it within a second.
 *
 * <p>HTTP/2 streams run on threads of their own: their connections are counted and their first bytes
 * bounded, and an {@link Http2FrameWatch} follows the client's frames: a header block that stays open past
 * the head deadline, or runs to too many CONTINUATION frames, ends the connection with a GOAWAY
 * ({@code ENHANCE_YOUR_CALM}). A stream's body is read through {@link #watchedBody}: a read that waits
 * past the body deadline ends that stream (answered 408), not the connection.
 */
final class ConnectionGuard implements AutoCloseable {
    static final String MAX_CONNECTIONS = "max_connections";
    static final String MAX_CONNECTIONS_PER_IP = "max_connections_per_ip";
    static final String HEADER_TIMEOUT = "header_timeout";
    static final String BODY_TIMEOUT = "body_timeout";
    static final String SEND_TIMEOUT = "send_timeout";
    static final String HTTP2_FLOOD = "http2_flood";
    private static final int ENHANCE_YOUR_CALM = 0xb;
    /** How long closing a connection may take before the watchdog interrupts its thread. */
    private static final long CUT_GRACE_NANOS = Duration.ofSeconds(1).toNanos();
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
    private static final ThreadLocal<Guarded> CURRENT = new ThreadLocal<>();
    /** On an HTTP/2 stream's thread: its connection (set by the connection's executor). */
    private static final ThreadLocal<Guarded> STREAM_OF = new ThreadLocal<>();
    /** On an HTTP/2 stream's thread: whether its body paused too long. */
    private static final ThreadLocal<Boolean> STREAM_BODY_TIMED_OUT = new ThreadLocal<>();
    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
    /** A lingering close discards at most this much of what the client still sends (see {@link Guarded#linger}). */
    static final long LINGER_BYTES = 1 << 20;
    /** nginx's {@code lingering_time} and {@code lingering_timeout}: a lingering close lasts at most these. */
    private static final Duration LINGER_TIME = Duration.ofSeconds(30);
    private static final Duration LINGER_PAUSE = Duration.ofSeconds(5);
    /** Helidon's socket has no half-close; the java.net.Socket its PlainSocket (and TlsSocket) wraps has. */
    private static final Field SOCKET_OF = socketField();

    private final ClientLimits limits;
    private final Consumer<String> rejected;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final Set<Guarded> served = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, long[]> lastLogged = new ConcurrentHashMap<>();
    private final Thread watchdog;
    private final long lingerNanos;
    private final long lingerPauseNanos;
    private volatile boolean closed;

    /** @param rejected told the reason of each refusal (the metric {@code stargate_rejected_total}) */
    ConnectionGuard(ClientLimits limits, Consumer<String> rejected) {
        this.limits = limits;
        this.rejected = rejected;
        // never longer than the node waits for one pause of a body anyway
        this.lingerNanos = min(limits.bodyTimeout(), LINGER_TIME).toNanos();
        this.lingerPauseNanos = min(limits.bodyTimeout(), LINGER_PAUSE).toNanos();
        this.watchdog = Thread.ofPlatform().daemon().name("stargate-connection-guard").start(this::watch);
    }

    /** The one selector a listener gets: it guards every connection and then serves it with one of {@code protocols}. */
    ServerConnectionSelector guard(List<ServerConnectionSelector> protocols) {
        return new GuardedSelector(protocols);
    }

    /**
     * The handler has a request's whole head: the head deadline no longer applies. HTTP/1 serves a connection's
     * requests on its own thread, so a thread-local finds the connection, once per request.
     *
     * @return what the handler tells when the request is answered (nothing to tell on an HTTP/2 stream)
     */
    static RequestPhase requestStarted() {
        Guarded connection = CURRENT.get();
        if (connection == null) {
            return RequestPhase.NONE;
        }
        connection.phase(Phase.REQUEST);
        return connection;
    }

    /**
     * The answer being sent leaves request bytes unread (a 413 mid-upload, a body refused unread, a malformed
     * head) and the connection closes after it: it lingers first ({@link Guarded#linger}), so that the client
     * gets the answer rather than a reset. HTTP/1 only: on HTTP/2 such an answer ends only its stream.
     */
    static void lingerOnClose() {
        Guarded connection = CURRENT.get();
        if (connection != null && connection.phase != Phase.SWITCHED) {
            connection.lingerOnClose = true;
        }
    }

    /** A request being served on a guarded connection. */
    interface RequestPhase {
        RequestPhase NONE = switchedProtocols -> { };

        /**
         * The request was answered: until the next one starts, the connection is idle (keep-alive); or it
         * switched protocols (a WebSocket relay, with its own idle timeout): no deadline of ours applies.
         */
        void finished(boolean switchedProtocols);
    }

    /**
     * {@code upgrader} (h2c, say) marking its connection switched when it upgrades: the protocol it becomes
     * has its own limits, and its requests run on other threads, where no head of ours would ever end.
     */
    static Http1Upgrader switching(Http1Upgrader upgrader) {
        return new Http1Upgrader() {
            @Override
            public String supportedProtocol() {
                return upgrader.supportedProtocol();
            }

            @Override
            public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
                Guarded guarded = ctx instanceof Guarded connection ? connection : null;
                boolean h2c = guarded != null && "h2c".equals(upgrader.supportedProtocol());
                if (h2c) {
                    guarded.writeHttp2(true);       // the 101 and the HTTP/2 connection made next write through it
                }
                ServerConnection upgraded = null;
                try {
                    upgraded = upgrader.upgrade(ctx, prologue, headers);
                } finally {
                    if (h2c && upgraded == null) {
                        guarded.writeHttp2(false);
                    }
                }
                if (upgraded != null && guarded != null) {
                    guarded.phase(Phase.SWITCHED);
                    guarded.frames.expectPreface();      // h2c: its preface follows (a WebSocket's frames do not start so)
                }
                return upgraded;
            }
        };
    }

    /** Whether this thread's connection was closed for pausing too long in a request body. */
    static boolean bodyTimedOut() {
        Guarded connection = CURRENT.get();
        return connection != null ? connection.bodyTimedOut : STREAM_BODY_TIMED_OUT.get() != null;
    }

    /**
     * A request body as the handler reads it. On an HTTP/2 stream each read that waits longer than
     * {@code --client-body-timeout} fails with {@link BodyStalledException} (the stream's thread is
     * interrupted out of its wait; the connection and its other streams go on). HTTP/1 bodies are
     * watched at the socket, so they are returned as they are.
     */
    static InputStream watchedBody(InputStream body) {
        Guarded connection = STREAM_OF.get();
        return connection == null ? body : connection.new StreamBody(body);
    }

    /** An HTTP/2 stream's request body paused longer than {@code --client-body-timeout}. */
    static final class BodyStalledException extends RuntimeException {
        BodyStalledException(Duration timeout) {
            super("the request body paused longer than " + timeout.toMillis() + " ms", null, false, false);
        }
    }

    /** Connections being served now (for tests and status). */
    int openConnections() {
        return open.get();
    }

    private void reject(String reason, String detail) {
        rejected.accept(reason);
        long now = System.nanoTime();
        long[] last = lastLogged.computeIfAbsent(reason, r -> new long[] {now - LOG_EVERY_NANOS, 0});
        synchronized (last) {
            last[1]++;
            if (now - last[0] >= LOG_EVERY_NANOS) {     // one line per reason per 10 s: an attack must not flood the log
                LOG.warning("event=client_rejected reason=" + reason + " count=" + last[1] + " last=\"" + detail + "\"");
                last[0] = now;
                last[1] = 0;
            }
        }
    }

    private void watch() {
        long tick = Math.max(50, Math.min(limits.sendTimeout().toMillis(),
                Math.min(limits.headerTimeout().toMillis(), limits.bodyTimeout().toMillis())) / 10);
        while (!closed) {
            try {
                Thread.sleep(Math.min(tick, 500));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Guarded connection : served) {
                connection.check(now);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }

    private enum Phase { HEAD, REQUEST, IDLE, SWITCHED, LINGER }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

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

    /**
     * One selector in place of the protocols' own: Helidon then hands over a connection at once,
     * before reading a byte (with several selectors it first reads enough bytes to choose, with no
     * deadline). The protocol is chosen here, by ALPN or by the first bytes, read under the head
     * deadline.
     */
    private final class GuardedSelector implements ServerConnectionSelector {
        private final List<ServerConnectionSelector> protocols;
        private final Set<String> applicationProtocols;

        GuardedSelector(List<ServerConnectionSelector> protocols) {
            this.protocols = List.copyOf(protocols);
            Set<String> alpn = new java.util.LinkedHashSet<>();
            protocols.forEach(p -> alpn.addAll(p.supportedApplicationProtocols()));
            this.applicationProtocols = Set.copyOf(alpn);
        }

        @Override
        public int bytesToIdentifyConnection() {
            return 0;
        }

        @Override
        public Support supports(BufferData data) {
            return Support.SUPPORTED;
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return applicationProtocols;
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            InetAddress address = ctx.remotePeer().address() instanceof InetSocketAddress peer ? peer.getAddress() : null;
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                reject(MAX_CONNECTIONS, "over " + limits.maxConnections() + " open connections");
                return Refused.INSTANCE;
            }
            if (address != null && perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet()
                    > limits.maxConnectionsPerIp()) {
                release(address);
                open.decrementAndGet();
                reject(MAX_CONNECTIONS_PER_IP, address.getHostAddress() + " has " + limits.maxConnectionsPerIp() + " open");
                return Refused.INSTANCE;
            }
            return new Guarded(ctx, address, protocols);
        }
    }

    private void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    @FunctionalInterface
    private interface Serving {
        void serve() throws InterruptedException;
    }

    /** A connection refused over a limit: served by returning at once, which closes the socket. */
    private enum Refused implements ServerConnection {
        INSTANCE;

        @Override
        public void handle(Semaphore requestSemaphore) {
        }

        @Override
        public void handle(io.helidon.common.concurrency.limits.Limit limit) {
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
        }
    }

    /** One served connection: the context the protocol reads through, and the connection it serves. */
    private final class Guarded implements ServerConnection, ConnectionContext, RequestPhase {
        private final ConnectionContext ctx;
        private final InetAddress address;
        private final DataReader reader;
        private final DataWriter writer;
        private final PeerInfo peer;
        private final List<ServerConnectionSelector> protocols;
        private final long openedNanos = System.nanoTime();
        private volatile ServerConnection delegate;
        private volatile Phase phase = Phase.HEAD;      // the bytes that chose the protocol started a head
        private volatile long phaseSince = System.nanoTime();
        /** When the current blocking read began, or 0 while none is waiting. */
        private volatile long readingSince;
        /** When the current write to the client began, or 0 while none is under way. */
        private volatile long writingSince;
        private volatile boolean bodyTimedOut;
        /** Whether the client sent any byte (after TLS): a connection cut before that is answered nothing. */
        private volatile boolean receivedBytes;
        private final Http2FrameWatch frames = new Http2FrameWatch();
        /** The thread serving the connection (HTTP/1: also its requests), while it does. */
        private volatile Thread serving;
        /** When the watchdog began to end the connection, or 0. */
        private volatile long cutSince;
        private volatile boolean cutDone;
        /** HTTP/2 stream bodies whose handler waits in a read now. */
        private final Set<StreamBody> stalling = ConcurrentHashMap.newKeySet();
        private final ExecutorService streams = new StreamExecutor();
        /** HTTP/2's writer, which sends the frames of the connection's streams together; null for HTTP/1. */
        private volatile Http2SocketWriter http2Writer;
        private boolean finished;
        /** Set by the handler: its answer left request bytes unread, so the connection lingers before it closes. */
        private volatile boolean lingerOnClose;

        Guarded(ConnectionContext ctx, InetAddress address, List<ServerConnectionSelector> protocols) {
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
                } finally {
                    readingSince = 0;
                }
                if (bytes != null && bytes.length > 0) {
                    receivedBytes = true;
                    frames.scan(bytes);
                    if (violation == null && frames.violation() != null) {
                        reject(HTTP2_FLOOD, remotePeer().address() + " sent " + frames.violation());
                    }
                    if (phase == Phase.IDLE) {
                        phase(Phase.HEAD);
                    }
                }
                return bytes;
            });
            this.writer = new WatchedWriter(ctx.dataWriter());
            this.peer = new ConnectionPeer(ctx.remotePeer());
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
            if (writing != 0 && now - writing > limits.sendTimeout().toNanos()) {
                reject(SEND_TIMEOUT, remotePeer().address() + " read nothing of its response for "
                        + limits.sendTimeout().toMillis() + " ms");
                cut(null);      // the blocked write fails; there is no way to answer a client that does not read
                return;
            }
            Phase current = phase;
            if (current == Phase.HEAD && now - phaseSince > limits.headerTimeout().toNanos()) {
                reject(HEADER_TIMEOUT, remotePeer().address() + " sent no whole request head in "
                        + limits.headerTimeout().toMillis() + " ms");
                // a client that sent nothing (or is still in its TLS handshake) gets no answer: there is nothing to answer
                cut(receivedBytes ? timeoutAnswer() : null);
            } else if (current == Phase.REQUEST) {
                long waiting = readingSince;
                if (waiting != 0 && now - waiting > limits.bodyTimeout().toNanos()) {
                    bodyTimedOut = true;
                    reject(BODY_TIMEOUT, remotePeer().address() + " paused its request body over "
                            + limits.bodyTimeout().toMillis() + " ms");
                    cut(null);      // the handler's read fails; it answers nobody
                }
            } else if (current == Phase.LINGER) {
                long waiting = readingSince;
                if (now - phaseSince > lingerNanos || waiting != 0 && now - waiting > lingerPauseNanos) {
                    cut(null);      // the linger's read fails: the connection closes
                }
            } else if (current == Phase.SWITCHED) {
                for (StreamBody body : stalling) {
                    body.check(now);
                }
                long block = frames.headerBlockSince();
                if (block != 0 && now - block > limits.headerTimeout().toNanos()) {
                    reject(HEADER_TIMEOUT, remotePeer().address() + " left an HTTP/2 header block open over "
                            + limits.headerTimeout().toMillis() + " ms");
                    cut(new BufferData[] {frames.goAway(ENHANCE_YOUR_CALM)});
                }
            }
        }

        /** The 408 for a head that came too late: only while a head is being read, so nothing of a response was written. */
        private BufferData[] timeoutAnswer() {
            byte[] body = ErrorResponse.json(408, "client_timeout", "the request head did not arrive within "
                    + limits.headerTimeout().toMillis() + " ms", null).getBytes(StandardCharsets.US_ASCII);
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
            served.add(this);
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
         * sends until it closes too: at most {@link #LINGER_BYTES}, and (the watchdog cuts it) no pause longer
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
            try {
                ((Socket) SOCKET_OF.get(plain)).shutdownOutput();
                long discarded = 0;
                while (discarded < LINGER_BYTES) {
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
            served.remove(this);
            open.decrementAndGet();
            if (address != null) {
                release(address);
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
         * can be watched ({@link #watchedBody}).
         */
        private final class StreamExecutor extends java.util.concurrent.AbstractExecutorService {
            @Override
            public void execute(Runnable task) {
                if (phase != Phase.SWITCHED) {
                    ctx.executor().execute(task);
                    return;
                }
                ctx.executor().execute(() -> {
                    STREAM_OF.set(Guarded.this);
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
         * An HTTP/2 stream's body: a read that waits past the body timeout is ended by interrupting the
         * stream's thread (Helidon's wait for the next DATA frame then returns no data), and fails.
         */
        private final class StreamBody extends java.io.FilterInputStream {
            private final Thread reader = Thread.currentThread();
            private long readingSince;      // guarded by this
            private boolean timedOut;       // guarded by this

            StreamBody(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                begin();
                try {
                    return super.read();
                } finally {
                    end();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                begin();
                try {
                    return super.read(b, off, len);
                } finally {
                    end();
                }
            }

            private synchronized void begin() {
                readingSince = System.nanoTime();
                stalling.add(this);
            }

            private synchronized void end() {
                readingSince = 0;
                stalling.remove(this);
                if (timedOut) {
                    Thread.interrupted();       // delivered under this lock, so it cannot arrive later
                    STREAM_BODY_TIMED_OUT.set(Boolean.TRUE);
                    throw new BodyStalledException(limits.bodyTimeout());
                }
            }

            synchronized void check(long now) {
                if (readingSince != 0 && !timedOut && now - readingSince > limits.bodyTimeout().toNanos()) {
                    timedOut = true;
                    reject(BODY_TIMEOUT, remotePeer().address() + " paused an HTTP/2 request body over "
                            + limits.bodyTimeout().toMillis() + " ms");
                    reader.interrupt();
                }
            }
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
}
