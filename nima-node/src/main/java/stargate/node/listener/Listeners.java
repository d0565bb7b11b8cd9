package stargate.node.listener;

import io.helidon.common.tls.Tls;
import io.helidon.http.DirectHandler;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2ConnectionProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import stargate.model.Certificate;
import stargate.node.NodeOptions;
import stargate.node.config.CurrentSnapshot;
import stargate.node.observe.AccessLog;
import stargate.node.trace.Tracing;
import stargate.node.observe.Metrics;

/**
 * The node's sockets: the proxy listener (http), the https listener (SNI certificates; opened by
 * the config's first certificate, at start or later) and the admin listener. Each is its own
 * WebServer: the admin port keeps answering (readiness DOWN) while the proxies drain on shutdown,
 * and https can open on a running node.
 */
public final class Listeners implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Listeners.class.getName());
    private static final long FILE_LIMIT = fileLimit();
    private static final String ADMIN = "admin";
    /**
     * Helidon logs a WARNING with a stack trace for every client that drops a connection mid-head:
     * an attacker could fill the log with them. Client protocol errors are counted and answered
     * instead; held here because the JDK keeps loggers (and so their level) only weakly.
     */
    private static final Logger HTTP1_CONNECTION_LOG = quiet("io.helidon.webserver.http1.Http1Connection");
    /** HTTP/2 streams one connection may have open (nginx's default is 128, Envoy's 100 to clients at the edge). */
    static final int MAX_STREAMS = 128;
    /**
     * HTTP/2 receive window, per stream and (Helidon sizes both alike) per connection: the request body a
     * connection can make the node buffer. It reopens as the upstream takes the body. 64 KiB (RFC 9113's
     * default) made a 30 MB upload ~2x slower than 256 KiB on loopback; 1 MiB (Helidon's) was no faster.
     */
    static final int RECEIVE_WINDOW = 256 * 1024;
    /**
     * Largest frame a client may send: above a quarter of the receive window on purpose. Helidon 4.5 then gives
     * the receive windows its "simple" update strategy (a WINDOW_UPDATE for each DATA frame read; the writer sends
     * them with the connection's other frames). Its other strategy keeps the connection's pending credit in a plain
     * int that every stream's thread adds to: under concurrent uploads it sent one credit twice, then a
     * WINDOW_UPDATE of 0, a PROTOCOL_ERROR that ends the connection, or lost credit until uploads stalled
     * (h2load, 64 uploads at once per connection: 194 to 2,439 of 20,000 failed; Http2UploadWindowTest).
     */
    static final int MAX_FRAME = 128 * 1024;
    static final int MAX_RAPID_RESETS = 50;

    private final NodeOptions options;
    private final ProxyHandler handler;
    private final WebServer proxy;
    private final WebServer admin;
    private final SniKeyManager certificates;
    /** The certificate list last loaded (PEM files are read again only for another list). */
    private volatile List<Certificate> lastCertificates;
    private final Drain drain;
    private final ConnectionGuard guard;
    private final ProtocolErrors protocolErrors;
    private final WebSockets webSockets;
    /** The https listener: its own WebServer, opened by the first certificate (null until then). */
    private volatile WebServer https;
    private boolean stopped; // guarded by this

    private Listeners(NodeOptions options, ProxyHandler handler, WebServer proxy, WebServer admin,
                      SniKeyManager certificates, Drain drain, ConnectionGuard guard, ProtocolErrors protocolErrors,
                      WebSockets webSockets) {
        this.options = options;
        this.handler = handler;
        this.proxy = proxy;
        this.admin = admin;
        this.certificates = certificates;
        this.drain = drain;
        this.guard = guard;
        this.protocolErrors = protocolErrors;
        this.webSockets = webSockets;
    }

    /**
     * Opens the listeners.
     *
     * @param certificatesAtStart the config's certificates; the https listener opens now when there
     *                            are some, else when the first one arrives ({@link #updateCertificates})
     */
    public static Listeners start(NodeOptions options, CurrentSnapshot current, Metrics metrics, AccessLog accessLog,
                                  Tracing tracing, List<Certificate> certificatesAtStart) {
        Drain drain = new Drain();
        metrics.activeRequests(drain::inFlight);
        SniKeyManager certificates = new SniKeyManager(options.tlsProvider() == TlsProvider.CONSCRYPT);
        certificates.update(certificatesAtStart.stream().map(c -> PemCertificates.load(c, options.tlsProvider())).toList());
        metrics.certificates(certificates::expiries);
        metrics.ocspStaples(certificates::ocspStaples);
        ProxyHandler handler = new ProxyHandler(current, metrics, accessLog, tracing, drain, options.trustedProxies(),
                options.maxHeaderBytes(), options.maxConcurrentRequests());
        ConnectionGuard guard = new ConnectionGuard(options.clientLimits(), metrics::rejected);
        if (FILE_LIMIT > 0 && FILE_LIMIT < options.clientLimits().maxConnections()) {
            LOG.warning("event=file_limit_low max_connections=" + options.clientLimits().maxConnections() + " file_limit="
                    + FILE_LIMIT + " accepted_per_listener=" + acceptLimit(options.clientLimits().maxConnections(), FILE_LIMIT)
                    + " note=\"the open file limit is below --max-connections; raise it (ulimit -n, LimitNOFILE)\"");
        }
        ProtocolErrors protocolErrors = new ProtocolErrors();
        metrics.rejectionReasons(ConnectionGuard.MAX_CONNECTIONS, ConnectionGuard.MAX_CONNECTIONS_PER_IP,
                ConnectionGuard.HEADER_TIMEOUT, ConnectionGuard.BODY_TIMEOUT, ConnectionGuard.SEND_TIMEOUT,
                ConnectionGuard.HTTP2_FLOOD, ConnectionGuard.TLS_FLOOD, ProxyHandler.OVERLOADED);
        WebSockets webSockets = new WebSockets(metrics, accessLog);

        WebServerConfig.Builder proxyConfig = WebServer.builder()
                .shutdownHook(false) // Node drains on SIGTERM itself
                // No discovered features on the proxy: Helidon would add /observe endpoints and a
                // metrics filter to every proxied request (measured: ~10% of the request's CPU).
                .featuresDiscoverServices(false)
                .host(options.host())
                .port(options.port())
                .routing(r -> r.any(handler));
        tune(proxyConfig, options, guard, protocolErrors, webSockets, false);
        WebServer proxy = proxyConfig.build().start();

        // Holder: the readiness check below needs the instance made after the admin server.
        Listeners[] self = new Listeners[1];
        AdminEndpoints endpoints = new AdminEndpoints(options.nodeId(), current, metrics,
                () -> self[0] != null && self[0].running() && !drain.draining());
        WebServer admin = WebServer.builder()
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .host(options.adminHost())
                .port(options.adminPort())
                .addFeature(endpoints.observeFeature(WebServer.DEFAULT_SOCKET_NAME))
                .routing(endpoints::routing)
                .build()
                .start();
        Listeners listeners = new Listeners(options, handler, proxy, admin, certificates, drain, guard, protocolErrors,
                webSockets);
        self[0] = listeners;
        if (!certificates.isEmpty()) {
            listeners.openHttps();
        }
        LOG.info("event=listening proxy=" + options.host() + ":" + proxy.port()
                + (listeners.https == null ? "" : " https=" + options.host() + ":" + listeners.https.port())
                + " admin=" + options.adminHost() + ":" + admin.port());
        return listeners;
    }

    /**
     * Opens the https listener (Helidon 4.5 cannot add a socket to a running WebServer, so https
     * is a second WebServer with the same handler and tuning). A port that cannot be bound is
     * logged and tried again on the next config change.
     */
    private synchronized void openHttps() {
        if (https != null || stopped) {
            return;
        }
        WebServerConfig.Builder config = WebServer.builder()
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .host(options.host())
                .port(options.httpsPort())
                .tls(tls(certificates, options.tlsProvider()))
                .routing(r -> r.any(handler));
        tune(config, options, guard, protocolErrors, webSockets, true);
        try {
            https = config.build().start();
        } catch (RuntimeException e) {
            LOG.severe("event=https_listener_failed port=" + options.httpsPort() + " error=\"" + e + "\"");
        }
    }

    private boolean running() {
        WebServer open = https;
        return proxy.isRunning() && (open == null || open.isRunning());
    }

    /** Socket options that decide proxy throughput and limits (see docs/proxy-spike.md). */
    private static void tune(ListenerConfig.BuilderBase<?, ?> listener, NodeOptions options, ConnectionGuard guard,
                             ProtocolErrors protocolErrors, WebSockets webSockets, boolean tls) {
        Duration clientTimeout = options.clientTimeout();
        Http1Config http1 = Http1Config.builder()
                .maxHeadersSize(options.maxHeaderBytes())      // over it: 431 from ProtocolErrors
                .maxPrologueLength(8192)
                .receiveLog(false)
                .sendLog(false)
                .validateRequestHostHeader(false)              // checked by HostHeader, without a regex per request
                .build();
        // An idle keep-alive connection is closed after clientTimeout. Plain client sockets are read as
        // blocking streams (useNio false) so the socket read timeout holds: it ends a connection that sends
        // nothing at all, before any protocol is chosen (NIO channel reads ignore it). TLS stays on NIO
        // engines, which ResumableServerContext fixes up for session resumption and SNI; there the ConnectionGuard's
        // head deadline ends a silent connection (or a stalled handshake), as it does heads and bodies that trickle.
        listener.connectionOptions(o -> o.tcpNoDelay(true).readTimeout(clientTimeout))
                .useNio(tls)
                .backlog(8192)
                .writeQueueLength(0)
                .writeBufferSize(512)      // per response stream; our body writes are larger and pass it by
                .idleConnectionTimeout(clientTimeout)
                .idleConnectionPeriod(clientTimeout.dividedBy(2).compareTo(Duration.ofSeconds(10)) < 0
                        ? clientTimeout.dividedBy(2) : Duration.ofSeconds(10))
                .shutdownGracePeriod(options.drainTimeout())
                .maxTcpConnections(acceptLimit(options.clientLimits().maxConnections(), FILE_LIMIT))
                .errorHandling(e -> e.includeEntity(true))     // Helidon's messages reach ProtocolErrors
                .directHandlers(handlers -> handlers
                        .addHandler(DirectHandler.EventType.BAD_REQUEST, protocolErrors)
                        .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, protocolErrors)
                        .addHandler(DirectHandler.EventType.OTHER, protocolErrors))
                // The protocols' connection selectors are made here, not discovered, so that the guard wraps each.
                .protocolsDiscoverServices(false);
        // HTTP/1 with the upgraders Helidon discovers for the protocols configured here (h2c once HTTP/2 is
        // among them) and our WebSocket one. Helidon looks the Upgrade token up as sent; RFC 6455 clients
        // send "websocket", some "WebSocket".
        Http2Config http2 = http2(options);
        ProtocolConfigs protocols = ProtocolConfigs.create(List.of(http1, http2));
        WebSocketUpgrader webSocket = new WebSocketUpgrader(webSockets);
        Http1ConnectionSelector discovered = (Http1ConnectionSelector) new Http1ConnectionProvider()
                .create(listener.name(), http1, protocols);
        java.util.Map<String, io.helidon.webserver.http1.spi.Http1Upgrader> upgraders = new java.util.LinkedHashMap<>();
        discovered.prototype().upgraders().forEach((protocol, upgrader) -> upgraders.put(protocol, ConnectionGuard.switching(upgrader)));
        listener.addConnectionSelector(guard.guard(List.of(
                Http1ConnectionSelector.builder().from(discovered.prototype()).upgraders(upgraders)
                        .addUpgrader(webSocket).putUpgrader("WebSocket", webSocket).build(),
                // HTTP/2 by prior knowledge (h2c) and by ALPN (h2 on https)
                new Http2ConnectionProvider().create(listener.name(), http2, protocols))));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Sockets one client listener (http, https) may hold from its accept until they end: a backstop for the
     * guard, which counts a connection only once its thread runs. Twice the connection limit (the guard closes
     * those over it), but never more than 3/8 of the process's open file limit, so that the two client
     * listeners together leave a quarter of it to upstream connections and files. Why: a socket the listener cannot
     * accept for want of a file descriptor (EMFILE) ends Helidon 4.5's accept loop for good ("this server socket
     * is terminating now"): the listener is dead until a restart. Accepting faster than connections are handled
     * (a connect flood on a busy node) reached that in TlsHandshakeFloodTest's first version, at a 20,000 limit;
     * with this bound the listener stops accepting (the kernel's backlog waits) and goes on.
     *
     * @param fileLimit the process's open file limit, or a negative number when it is not known
     */
    static int acceptLimit(int maxConnections, long fileLimit) {
        long limit = 2L * maxConnections;
        if (fileLimit > 0) {
            limit = Math.min(limit, fileLimit * 3 / 8);
        }
        return (int) Math.max(1, Math.min(limit, Integer.MAX_VALUE));
    }

    /** The process's open file limit (ulimit -n, systemd's LimitNOFILE), or -1 where the JDK does not tell it. */
    private static long fileLimit() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    /**
     * HTTP/2 from clients (SPEC §16): h2 by ALPN on https, h2c by prior knowledge or {@code Upgrade: h2c}
     * on http; the same handler serves every stream. The limits bound what one connection can make the
     * node hold (docs/http2.md): at most {@value #MAX_STREAMS} streams at once, at most one receive window
     * ({@value #RECEIVE_WINDOW} bytes) of request body buffered per connection, a header
     * block of at most {@code --max-header-size} encoded bytes (more ends the connection; a decoded section
     * over it is 431 from {@link ProxyHandler}), and Helidon's guards against rapid reset (more than
     * {@value #MAX_RAPID_RESETS} resets before a response within 10 s ends the connection) and runs of
     * empty frames.
     */
    private static Http2Config http2(NodeOptions options) {
        return Http2Config.builder()
                .maxConcurrentStreams(MAX_STREAMS)
                .initialWindowSize(RECEIVE_WINDOW)
                .maxFrameSize(MAX_FRAME)
                .maxHeaderListSize(options.maxHeaderBytes())
                .maxRapidResets(MAX_RAPID_RESETS)
                .rapidResetCheckPeriod(Duration.ofSeconds(10))
                .maxEmptyFrames(10)
                // a stream waits at most this long for the client's WINDOW_UPDATE, as an HTTP/1.1 write waits for the
                // client to read (Helidon's 15 s default ignored --client-send-timeout; Http2SlowReaderTest)
                .flowControlTimeout(options.clientLimits().sendTimeout())
                .sendErrorDetails(false)
                .build();
    }

    private static Tls tls(SniKeyManager certificates, TlsProvider provider) {
        try {
            SSLContext context = provider.newContext();
            context.init(new KeyManager[] {certificates}, null, new SecureRandom());
            return Tls.builder().sslContext(ResumableServerContext.wrap(context, certificates.sniMatcher(), provider)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /**
     * New certificates from a config change apply to the next TLS handshake. The first certificate
     * opens the https listener; it stays open when the last one is removed (a client's handshake
     * then fails with an {@code unrecognized_name} alert).
     */
    public void updateCertificates(List<Certificate> certificates) {
        if (certificates == lastCertificates) {
            return; // the very list of the last apply: an incremental change that left the certificates alone
        }
        lastCertificates = certificates;
        this.certificates.update(certificates.stream().map(c -> PemCertificates.load(c, options.tlsProvider())).toList());
        if (!certificates.isEmpty() && https == null) {
            openHttps();
            WebServer open = https;
            if (open != null) {
                LOG.info("event=https_listener_opened https=" + options.host() + ":" + open.port()
                        + " certificates=" + certificates.size());
            }
        }
    }

    public int port() {
        return proxy.port();
    }

    /** The https port, or -1 while no https listener is open (no certificate yet). */
    public int httpsPort() {
        WebServer open = https;
        return open == null ? -1 : open.port();
    }

    public int adminPort() {
        return admin.port();
    }

    /**
     * Graceful stop: readiness DOWN at once, in-flight requests (HTTP/1.1 and HTTP/2 streams) finish
     * up to the timeout, the proxy listeners stop (Helidon's grace period, also the drain timeout,
     * covers HTTP/1.1 requests that arrived meanwhile), then the admin listener closes.
     *
     * @return whether every in-flight request finished within the timeout
     */
    public boolean drainAndStop(Duration timeout) throws InterruptedException {
        drain.begin();
        int inFlight = drain.inFlight();
        LOG.info("event=drain_started in_flight=" + inFlight + " timeout=" + timeout);
        long started = System.nanoTime();
        // open WebSockets get their close frame a little before the listeners' grace period cuts them
        webSockets.goAwayAfter(timeout.minus(min(timeout.dividedBy(10), Duration.ofMillis(500))));
        // In-flight requests finish before the listeners stop: Helidon 4.5's stop ends an HTTP/2
        // connection at once (its reader is interrupted, the socket closed under the open streams), and
        // drains only HTTP/1.1 connections. Readiness is DOWN meanwhile; the listeners still accept.
        boolean finished = drain.awaitIdle(timeout);
        stopProxies();
        webSockets.awaitClosed(timeout.minusNanos(System.nanoTime() - started).plusSeconds(1));
        finished = drain.awaitIdle(Duration.ofMillis(100)) && finished;
        LOG.info("event=drain_finished all_finished=" + finished + " left=" + drain.inFlight() + " took_ms="
                + (System.nanoTime() - started) / 1_000_000);
        admin.stop();
        guard.close();
        certificates.close();
        return finished;
    }

    /**
     * Stops the http and https listeners at the same time (each waits for its in-flight requests
     * up to the grace period, so one after the other could take twice the drain timeout).
     */
    private void stopProxies() throws InterruptedException {
        WebServer open;
        synchronized (this) {
            stopped = true; // no https listener opens from now on
            open = https;
        }
        guard.stopLingering();      // Helidon's stop would wait for them
        Thread httpsStop = open == null ? null : Thread.ofPlatform().name("https-stop").start(open::stop);
        proxy.stop();
        if (httpsStop != null) {
            httpsStop.join();
        }
    }

    @Override
    public void close() {
        webSockets.close();
        try {
            stopProxies();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.stop();
        guard.close();
        certificates.close();
    }
}
