package stargate.node.listener;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelector.Support;
import stargate.node.proxy.ClientWatch;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;

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
 * ({@code ENHANCE_YOUR_CALM}). A stream's body is read through {@link #clientWatch}: a read that waits
 * past the body deadline ends that stream (answered 408), not the connection.
 */
final class ConnectionGuard implements AutoCloseable {
    static final String MAX_CONNECTIONS = "max_connections";
    static final String MAX_CONNECTIONS_PER_IP = "max_connections_per_ip";
    static final String HEADER_TIMEOUT = "header_timeout";
    static final String BODY_TIMEOUT = "body_timeout";
    static final String SEND_TIMEOUT = "send_timeout";
    static final String HTTP2_FLOOD = "http2_flood";
    static final String TLS_FLOOD = "tls_flood";
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
    /** A lingering close discards at most this much of what the client still sends (see {@link GuardedConnection#linger}). */
    static final long LINGER_BYTES = 1 << 20;
    /** nginx's {@code lingering_time} and {@code lingering_timeout}: a lingering close lasts at most these. */
    private static final Duration LINGER_TIME = Duration.ofSeconds(30);
    private static final Duration LINGER_PAUSE = Duration.ofSeconds(5);

    final ClientLimits limits;
    private final Consumer<String> rejected;
    final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    final Set<GuardedConnection> served = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, long[]> lastLogged = new ConcurrentHashMap<>();
    private final Thread watchdog;
    final long lingerNanos;
    final long lingerPauseNanos;
    private volatile boolean closed;
    /** The listeners are stopping: no connection lingers any more (see {@link #stopLingering}). */
    volatile boolean stopping;

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
        GuardedConnection connection = GuardedConnection.CURRENT.get();
        if (connection == null) {
            return RequestPhase.NONE;
        }
        connection.phase(GuardedConnection.Phase.REQUEST);
        return connection;
    }

    /**
     * The answer being sent leaves request bytes unread (a 413 mid-upload, a body refused unread, a malformed
     * head) and the connection closes after it: it lingers first ({@link GuardedConnection#linger}), so that the client
     * gets the answer rather than a reset. HTTP/1 only: on HTTP/2 such an answer ends only its stream.
     */
    static void lingerOnClose() {
        GuardedConnection connection = GuardedConnection.CURRENT.get();
        if (connection != null && connection.phase != GuardedConnection.Phase.SWITCHED) {
            connection.lingerOnClose = true;
        }
    }

    /**
     * The listeners stop (the end of a drain): lingering connections close now. Each has had its answer and
     * has no request in flight, but Helidon's stop waits for every connection's thread, so 40 clients
     * trickling a byte every 500 ms after their 413 held a 5 s drain for all of its 5 s
     * (LingeringCloseTest), and would hold the default 30 s one for up to the linger's 30 s.
     */
    void stopLingering() {
        stopping = true;
        for (GuardedConnection connection : served) {
            connection.endLinger();
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
                GuardedConnection guarded = ctx instanceof GuardedConnection connection ? connection : null;
                boolean h2c = guarded != null && "h2c".equals(upgrader.supportedProtocol());
                if (h2c && (ctx.isSecure() || !H2cSettings.usable(headers))) {
                    // served as HTTP/1.1: over TLS HTTP/2 is chosen by ALPN only (RFC 9113 §3.2), and Helidon's
                    // upgrader fails unusable settings with a 500
                    return null;
                }
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
                    guarded.phase(GuardedConnection.Phase.SWITCHED);
                    if (h2c) {
                        guarded.expectPreface();
                    }
                }
                return upgraded;
            }
        };
    }

    /** Whether this thread's connection was closed for pausing too long in a request body. */
    static boolean bodyTimedOut() {
        GuardedConnection connection = GuardedConnection.CURRENT.get();
        return connection != null ? connection.bodyTimedOut : GuardedConnection.STREAM_BODY_TIMED_OUT.get() != null;
    }

    /**
     * How this thread's exchange waits on its client. On an HTTP/2 stream: each read of its body that waits longer
     * than {@code --client-body-timeout} fails with {@link BodyStalledException} (the stream's thread is interrupted
     * out of its wait; the connection and its other streams go on), and each write of its answer is bounded by
     * {@code --client-send-timeout}, as a write to an HTTP/1.1 client is at the socket. Helidon 4.5 waits for a WINDOW_UPDATE up to its flow-control timeout per wait, so a client
     * granting one byte a second kept each of its 128 streams, and the upstream connection behind each, for as
     * long as it liked (Http2SlowReaderTest). Elsewhere nothing is watched here.
     */
    static ClientWatch clientWatch() {
        GuardedConnection connection = GuardedConnection.STREAM_OF.get();
        return connection == null ? ClientWatch.NONE : connection.streamWatch();
    }

    /** An HTTP/2 stream's answer waited longer than {@code --client-send-timeout} for the client to take a write. */
    static final class AnswerStalledException extends RuntimeException {
        AnswerStalledException(Duration timeout) {
            super("the client took nothing of a write of its answer in " + timeout.toMillis() + " ms", null, false, false);
        }
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

    void reject(String reason, String detail) {
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
            for (GuardedConnection connection : served) {
                connection.check(now);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
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
            return new GuardedConnection(ConnectionGuard.this, ctx, address, protocols);
        }
    }

    void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
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
}
