package stargate.node.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import stargate.model.Upstream;

/**
 * The keep-alive connections to one target ({@code http(s)://host:port}), capped at
 * {@code pool.max_connections}. Build one per target when a config is compiled and {@link #close()}
 * it when the target goes away; {@link ProxyExchange#forward} borrows from it.
 *
 * <p>Design: a LIFO stack of idle connections (the most recently used first: warm, least likely to have
 * been closed by the server, and it lets the rarely used ones at the bottom age out) plus a count of
 * open connections, both under one lock held only for O(1) steps; connects and closes happen outside it.
 * When all {@code maxConnections} are busy, a borrower waits on a condition until one is returned or
 * closed, for at most its connect timeout, then fails with {@link UpstreamException.Kind#POOL_EXHAUSTED}.
 * Idle connections older than {@code pool.idle_timeout} are closed by the {@link Watchdog}, oldest
 * first from the bottom of the stack, O(evicted).
 *
 * <p>Every connection has TCP_NODELAY on: without it, a response written in two segments waits ~40 ms
 * for a delayed ACK (Nagle), the main loss measured in docs/proxy-spike.md.
 */
public final class TargetPool implements AutoCloseable {
    private final String host;
    private final int port;
    private final String authority;
    private final SSLSocketFactory tls;
    private final boolean verifyHostname;
    private final int maxConnections;
    private final long idleTimeoutNanos;
    private final Watchdog watchdog;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition slotFreed = lock.newCondition();
    /** Idle connections, most recently returned at the tail. Guarded by {@link #lock}. */
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    /** Open plus connecting connections. Guarded by {@link #lock}. */
    private int open;
    private volatile boolean closed;      // written under the lock; read without it by the watchdog
    /** Every open connection, idle or busy, for the watchdog's stall scan. */
    private final Set<UpstreamConnection> live = ConcurrentHashMap.newKeySet();

    TargetPool(URI target, Upstream.Pool pool, Upstream.Tls tlsConfig, Watchdog watchdog) {
        boolean https = "https".equalsIgnoreCase(target.getScheme());
        if (!https && !"http".equalsIgnoreCase(target.getScheme()) || target.getHost() == null) {
            throw new IllegalArgumentException("target must be http(s)://host[:port]: " + target);
        }
        String bracketed = target.getHost();
        this.host = bracketed.startsWith("[") ? bracketed.substring(1, bracketed.length() - 1) : bracketed;
        int defaultPort = https ? 443 : 80;
        this.port = target.getPort() < 0 ? defaultPort : target.getPort();
        this.authority = port == defaultPort ? bracketed : bracketed + ":" + port;
        this.tls = https ? UpstreamTls.socketFactory(tlsConfig) : null;
        this.verifyHostname = tlsConfig == null || tlsConfig.verify();
        this.maxConnections = pool.maxConnections();
        this.idleTimeoutNanos = pool.idleTimeout().toNanos();
        this.watchdog = watchdog;
        watchdog.register(this);
    }

    /**
     * @param targetUrl {@code http://host:port} or {@code https://host:port}
     * @param pool      connection cap and idle timeout
     * @param tls       for https targets; null = JDK trust store and hostname verification
     * @throws IllegalArgumentException if the URL is not http(s) or the TLS settings cannot be loaded
     */
    public static TargetPool create(String targetUrl, Upstream.Pool pool, Upstream.Tls tls) {
        return new TargetPool(URI.create(targetUrl), pool, tls, Watchdog.shared());
    }

    /** The target's host name or address (without IPv6 brackets). */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** @return {@code host[:port]} as sent in {@code Host} (the port only when not the scheme's default) */
    public String authority() {
        return authority;
    }

    /** @return open connections, idle or busy */
    public int openConnections() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /** @return connections waiting in the pool for reuse */
    public int idleConnections() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the idle connections now and the busy ones when they are returned; later borrows fail. */
    @Override
    public void close() {
        List<UpstreamConnection> toClose;
        lock.lock();
        try {
            closed = true;
            toClose = new ArrayList<>(idle);
            open -= idle.size();
            idle.clear();
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
        toClose.forEach(this::closeConnection);
        // stays registered with the watchdog until its busy connections are returned: they still need deadlines
    }

    /**
     * Borrows a connection: the most recently used idle one, else a new one if under the cap, else waits.
     *
     * @param fresh a new connection even if idle ones exist (to retry after a stale one); at the cap,
     *              the oldest idle connection is closed to make room
     * @throws UpstreamException CONNECT_FAILED or POOL_EXHAUSTED; never with a consumed body
     */
    UpstreamConnection acquire(long connectTimeoutNanos, boolean fresh) throws UpstreamException {
        UpstreamConnection evicted = null;
        lock.lock();
        try {
            long waitNanos = connectTimeoutNanos;
            while (true) {
                if (closed) {
                    throw new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                                                "target " + authority + " was removed", false, null);
                }
                if (!fresh && !idle.isEmpty()) {
                    UpstreamConnection conn = idle.pollLast();
                    conn.reused = true;
                    return conn;
                }
                if (open < maxConnections) {
                    open++;
                    break;
                }
                if (fresh && !idle.isEmpty()) {
                    evicted = idle.pollFirst();      // its slot passes to the new connection
                    break;
                }
                if (waitNanos <= 0) {
                    throw new UpstreamException(UpstreamException.Kind.POOL_EXHAUSTED, "all " + maxConnections
                            + " connections to " + authority + " stayed busy for the connect timeout", false, null);
                }
                waitNanos = slotFreed.awaitNanos(waitNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException(UpstreamException.Kind.POOL_EXHAUSTED,
                                        "interrupted while waiting for a connection to " + authority, false, e);
        } finally {
            lock.unlock();
        }
        if (evicted != null) {
            closeConnection(evicted);
        }
        try {
            return connect(connectTimeoutNanos);
        } catch (IOException e) {
            freeSlot();
            throw new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                                        "cannot connect to " + authority + ": " + e.getMessage(), false, e);
        }
    }

    /**
     * Opens a connection outside the pool: not counted against {@code pool.max_connections}, never reused,
     * closed by {@link #release}. For a WebSocket, which holds its connection as long as it lives.
     *
     * @throws UpstreamException CONNECT_FAILED
     */
    UpstreamConnection openUnpooled(long connectTimeoutNanos) throws UpstreamException {
        if (closed) {
            throw new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                                        "target " + authority + " was removed", false, null);
        }
        try {
            UpstreamConnection conn = connect(connectTimeoutNanos);
            conn.pooled = false;
            return conn;
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                                        "cannot connect to " + authority + ": " + e.getMessage(), false, e);
        }
    }

    /**
     * Returns a borrowed connection: to the idle stack if {@code reusable}, else closes it. An unpooled
     * connection ({@link #openUnpooled}) is always closed.
     *
     * @param reusable the exchange ended cleanly on a message boundary and both sides keep the connection
     */
    void release(UpstreamConnection conn, boolean reusable) {
        if (!conn.pooled) {
            closeConnection(conn);
            return;
        }
        if (reusable && !conn.timedOut()) {
            lock.lock();
            try {
                if (!closed) {
                    conn.idleSinceNanos = System.nanoTime();
                    idle.addLast(conn);
                    slotFreed.signal();
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        closeConnection(conn);
        freeSlot();
    }

    /** The watchdog's tick: closes stalled connections and those idle longer than the idle timeout. */
    void watch(long nowNanos) {
        for (UpstreamConnection conn : live) {
            conn.closeIfStalled(nowNanos);
        }
        if (closed && live.isEmpty()) {
            watchdog.unregister(this);
            return;
        }
        List<UpstreamConnection> expired = null;
        lock.lock();
        try {
            while (!idle.isEmpty() && nowNanos - idle.peekFirst().idleSinceNanos >= idleTimeoutNanos) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(idle.pollFirst());
                open--;
                slotFreed.signal();
            }
        } finally {
            lock.unlock();
        }
        if (expired != null) {
            expired.forEach(this::closeConnection);
        }
    }

    private UpstreamConnection connect(long timeoutNanos) throws IOException {
        Socket tcp = new Socket();
        UpstreamConnection conn = null;
        try {
            tcp.setTcpNoDelay(true);
            tcp.connect(new InetSocketAddress(host, port), (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
            if (tls == null) {
                conn = new UpstreamConnection(tcp, tcp);
                live.add(conn);
                return conn;
            }
            SSLSocket ssl = (SSLSocket) tls.createSocket(tcp, host, port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            if (!isIpLiteral(host)) {
                // explicit: the JDK's own default skips names without a dot, such as "localhost"
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            if (verifyHostname) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            ssl.setSSLParameters(parameters);
            conn = new UpstreamConnection(tcp, ssl);
            live.add(conn);
            conn.stallLimit(timeoutNanos);     // the watchdog bounds the handshake by the connect timeout
            conn.handshake(ssl);
            return conn;
        } catch (IOException | RuntimeException e) {
            if (conn != null) {
                closeConnection(conn);
                if (conn.timedOut()) {
                    throw new SocketTimeoutException("TLS handshake timed out");
                }
            } else {
                tcp.close();
            }
            throw e;
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private void closeConnection(UpstreamConnection conn) {
        live.remove(conn);
        conn.closeSocket();
    }

    private void freeSlot() {
        lock.lock();
        try {
            open--;
            slotFreed.signal();
        } finally {
            lock.unlock();
        }
    }
}
