package stargate.node.grpc;

import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.DefaultDnsResolver;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http2.Http2Client;
import io.helidon.webclient.http2.GrpcClientConnection;
import io.helidon.webclient.http2.Http2ClientImpl;
import io.helidon.webclient.http2.Http2ClientProtocolConfig;
import stargate.model.Upstream;
import stargate.node.proxy.UpstreamTls;

/**
 * The HTTP/2 connections to one gRPC target ({@code grpc://host:port} cleartext with prior knowledge,
 * {@code grpcs://host:port} TLS with ALPN {@code h2}), each carrying many calls at once.
 *
 * <p>Built on Helidon's HTTP/2 client connection and stream ({@code helidon-webclient-http2}), the layer
 * Helidon's own gRPC client uses, rather than its request/response API, which sends the whole request
 * before it reads the response and so cannot relay a bidirectional stream. A call goes on the least busy
 * open connection; a new connection opens when every one carries {@link #STREAMS_PER_CONNECTION} calls
 * (or the target's own SETTINGS_MAX_CONCURRENT_STREAMS, if lower), up to {@code pool.max_connections}; past
 * that a call waits, at most its connect timeout, for a stream the target allows. A connection whose server
 * sent GOAWAY takes no new call and closes with its last one; one that fails (reset, I/O error) is dropped;
 * the next call opens another. The connections are {@link GrpcClientConnection}s: Helidon's, with its flow
 * control and GOAWAY handling fixed.
 */
public final class GrpcChannel implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GrpcChannel.class.getName());
    /** Calls per connection before another opens: 100 is the least SETTINGS_MAX_CONCURRENT_STREAMS RFC 9113 advises. */
    static final int STREAMS_PER_CONNECTION = 100;

    private final String url;
    private final String host;
    private final int port;
    private final String authority;
    private final boolean tls;
    private final int maxConnections;
    private final WebClient webClient;
    private final Http2ClientImpl http2;
    private final ConnectionKey key;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a call ends, for callers waiting on the target's stream limit. */
    private final Condition released = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean closed;

    private GrpcChannel(String url, URI uri, Upstream.Pool pool, Upstream.Tls tlsConfig) {
        this.url = url;
        this.tls = "grpcs".equals(uri.getScheme());
        String bracketed = uri.getHost();
        this.host = bracketed.startsWith("[") ? bracketed.substring(1, bracketed.length() - 1) : bracketed;
        this.port = uri.getPort();
        this.authority = bracketed + ":" + port;
        this.maxConnections = pool.maxConnections();
        Tls helidonTls = tls
                ? Tls.builder().sslContext(UpstreamTls.sslContext(tlsConfig))
                        .endpointIdentificationAlgorithm(tlsConfig == null || tlsConfig.verify() ? "HTTPS" : Tls.ENDPOINT_IDENTIFICATION_NONE)
                        .build()
                : Tls.builder().enabled(false).build();
        this.webClient = WebClient.builder()
                .tls(helidonTls)
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).connectTimeout(Duration.ofSeconds(10))
                        .readTimeout(Duration.ZERO).build())
                .addProtocolConfig(Http2ClientProtocolConfig.builder()
                        .priorKnowledge(true)
                        .ping(false)
                        .initialWindowSize(1 << 20)
                        .build())
                .build();
        this.http2 = (Http2ClientImpl) webClient.client(Http2Client.PROTOCOL);
        this.key = ConnectionKey.create(tls ? "https" : "http", host, port, helidonTls, DefaultDnsResolver.create(),
                DnsAddressLookup.defaultLookup(), Proxy.noProxy());
    }

    /**
     * @param targetUrl {@code grpc://host:port} or {@code grpcs://host:port}
     * @throws IllegalArgumentException if the URL is neither or the TLS settings cannot be loaded
     */
    public static GrpcChannel create(String targetUrl, Upstream.Pool pool, Upstream.Tls tls) {
        URI uri = URI.create(targetUrl);
        if (!"grpc".equals(uri.getScheme()) && !"grpcs".equals(uri.getScheme()) || uri.getHost() == null
                || uri.getPort() < 0) {
            throw new IllegalArgumentException("target must be grpc(s)://host:port: " + targetUrl);
        }
        return new GrpcChannel(targetUrl, uri, pool, tls);
    }

    /** {@code host:port}, the {@code :authority} a call carries unless the route preserves the client's. */
    public String authority() {
        return authority;
    }

    /** {@code http} or {@code https}: the {@code :scheme} of the calls. */
    String scheme() {
        return tls ? "https" : "http";
    }

    /**
     * Starts a call: its request headers go out on a connection, with the start of its body when the caller has
     * it ({@code opening}, in the same socket write when the windows take it); the rest follows on the returned call.
     *
     * @param opening        the body's first bytes and whether they are all of it; null to send the headers alone
     * @param connectTimeout bounds opening a new connection (TCP, TLS, the server's SETTINGS) and the wait for
     *                       a free stream when every connection carries the target's limit
     * @throws UpstreamCall.Unavailable if no connection could be opened or the headers not sent: nothing
     *                                  reached the target, so the call may go to another one
     */
    UpstreamCall start(Http2Headers headers, UpstreamCall.Opening opening, Duration connectTimeout) {
        long waitUntil = System.nanoTime() + connectTimeout.toNanos();
        // A pooled connection may have died since its last call (GOAWAY, idle close): then one more try on a
        // fresh connection before the target counts as unavailable.
        for (int attempt = 0; ; attempt++) {
            Connection connection = connection(connectTimeout, waitUntil, attempt > 0);
            UpstreamCall call = new UpstreamCall(connection.h2, connection.lost, connection.socket, http2);
            try {
                call.open(headers, opening);
                call.onClose(() -> release(connection));
                return call;
            } catch (RuntimeException e) {
                call.close();
                release(connection);
                drop(connection);
                if (attempt > 0 || connection.fresh) {
                    throw new UpstreamCall.Unavailable("could not start the call on " + url + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * The least busy open connection with room for a call; else a new one when the cap allows; else the least
     * busy one below the target's own stream limit (past {@link #STREAMS_PER_CONNECTION}); else, when every
     * connection carries the target's limit, the first one to free a stream before {@code waitUntil}.
     */
    private Connection connection(Duration connectTimeout, long waitUntil, boolean newOnly) {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new UpstreamCall.Unavailable("target " + url + " left the config", null);
                }
                for (Iterator<Connection> it = connections.iterator(); it.hasNext(); ) {
                    Connection c = it.next();
                    if (c.lost.get()) {
                        it.remove();
                    } else if (c.h2.draining() && c.calls == 0) {
                        it.remove();            // sent GOAWAY while idle: no call of ours will close it
                        c.h2.close();
                    }
                }
                Connection best = null;
                Connection belowLimit = null;
                int usable = 0;
                for (Connection c : connections) {
                    if (c.h2.draining()) {
                        continue;
                    }
                    usable++;
                    if (c.calls < c.limit() && (belowLimit == null || c.calls < belowLimit.calls)) {
                        belowLimit = c;
                    }
                    if (c.calls < Math.min(STREAMS_PER_CONNECTION, c.limit()) && (best == null || c.calls < best.calls)) {
                        best = c;
                    }
                }
                if (newOnly || best == null && usable < maxConnections) {
                    break;
                }
                Connection taken = best != null ? best : belowLimit;
                if (taken != null) {
                    taken.calls++;
                    taken.fresh = false;
                    return taken;
                }
                long left = waitUntil - System.nanoTime();
                if (left <= 0) {
                    throw new UpstreamCall.Unavailable("every connection to " + url
                            + " carries the target's limit of concurrent calls", null);
                }
                try {
                    released.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UpstreamCall.Unavailable("interrupted while waiting for a stream to " + url, e);
                }
            }
        } finally {
            lock.unlock();
        }
        Connection opened = open(connectTimeout);
        lock.lock();
        try {
            if (closed) {
                opened.h2.close();
                throw new UpstreamCall.Unavailable("target " + url + " left the config", null);
            }
            opened.calls++;
            connections.add(opened);
            return opened;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens a connection on a virtual thread and waits at most {@code connectTimeout} for it: Helidon's
     * connect timeout is per client, a route's is per call. A connection that opens after the wait is closed.
     */
    private Connection open(Duration connectTimeout) {
        CompletableFuture<Connection> opening = new CompletableFuture<>();
        Thread.ofVirtual().name("grpc-connect-" + authority).start(() -> {
            try {
                AtomicBoolean lost = new AtomicBoolean();
                TcpClientConnection tcp = TcpClientConnection.create(webClient, key, List.of(Http2Client.PROTOCOL_ID),
                        c -> false, c -> lost.set(true)).connect();
                Connection connection = new Connection(GrpcClientConnection.open(http2, tcp),
                        tcp.helidonSocket(), lost);
                if (!opening.complete(connection)) {
                    connection.h2.close();
                }
            } catch (Throwable e) {
                opening.completeExceptionally(e);
            }
        });
        try {
            return opening.get(connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            opening.cancel(false);
            throw new UpstreamCall.Unavailable("connect to " + url + " timed out after " + connectTimeout.toMillis()
                    + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException io ? io.getCause() : e.getCause();
            throw new UpstreamCall.Unavailable("cannot connect to " + url + ": " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamCall.Unavailable("interrupted while connecting to " + url, e);
        }
    }

    /** A call ended: its stream is free; a draining connection closes with its last call. */
    private void release(Connection connection) {
        lock.lock();
        try {
            connection.calls--;
            if (connection.calls == 0 && connection.h2.draining() && connections.remove(connection)) {
                LOG.fine(() -> "event=grpc_connection_drained target=" + url);
                connection.h2.close();
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets a connection that failed; the calls on it fail on their own. */
    void drop(Connection connection) {
        boolean removed;
        lock.lock();
        try {
            removed = connections.remove(connection);
        } finally {
            lock.unlock();
        }
        if (removed) {
            LOG.fine(() -> "event=grpc_connection_dropped target=" + url);
            connection.h2.close();
        }
    }

    /** Drops the connection of a call that failed at the connection level (an I/O error). */
    void dropConnectionOf(UpstreamCall call) {
        lock.lock();
        List<Connection> failed = new ArrayList<>(1);
        try {
            for (Connection c : connections) {
                if (c.h2 == call.grpcConnection()) {
                    failed.add(c);
                }
            }
        } finally {
            lock.unlock();
        }
        failed.forEach(this::drop);
    }

    /** @return open connections (for tests and status) */
    public int openConnections() {
        lock.lock();
        try {
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeConnections();
    }

    /** Closes the open connections; the next call opens a new one (unless the channel is closed). */
    void closeConnections() {
        List<Connection> all;
        lock.lock();
        try {
            all = List.copyOf(connections);
            connections.clear();
        } finally {
            lock.unlock();
        }
        for (Connection c : all) {
            try {
                c.h2.close();
            } catch (RuntimeException e) {
                LOG.fine(() -> "event=grpc_connection_close_failed target=" + url + " error=" + e);
            }
        }
    }

    /** One HTTP/2 connection and the number of calls on it (guarded by the channel's lock). */
    static final class Connection {
        final GrpcClientConnection h2;
        final HelidonSocket socket;
        /** Set when the socket closes (by either side): the calls on it fail, no new call takes it. */
        final AtomicBoolean lost;
        int calls;
        /** Opened for the call now starting: a failure on it is the target's, not a stale connection's. */
        boolean fresh = true;

        Connection(GrpcClientConnection h2, HelidonSocket socket, AtomicBoolean lost) {
            this.h2 = h2;
            this.socket = socket;
            this.lost = lost;
        }

        /** The target's limit of concurrent streams here (its SETTINGS_MAX_CONCURRENT_STREAMS). */
        int limit() {
            return (int) Math.min(Integer.MAX_VALUE, h2.peerMaxConcurrentStreams());
        }

    }
}
