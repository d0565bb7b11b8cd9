package stargate.node.listener;

import io.helidon.common.tls.Tls;
import io.helidon.http.DirectHandler;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
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
import stargate.node.observe.AdminEndpoints;
import stargate.node.observe.Metrics;

/**
 * The node's sockets: the proxy listener (http), the https listener (SNI certificates; opened by
 * the config's first certificate, at start or later) and the admin listener. Each is its own
 * WebServer: the admin port keeps answering (readiness DOWN) while the proxies drain on shutdown,
 * and https can open on a running node.
 */
public final class Listeners implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Listeners.class.getName());
    private static final String ADMIN = "admin";
    private static final ProtocolErrors PROTOCOL_ERRORS = new ProtocolErrors();

    private final NodeOptions options;
    private final ProxyHandler handler;
    private final WebServer proxy;
    private final WebServer admin;
    private final SniKeyManager certificates;
    private final Drain drain;
    /** The https listener: its own WebServer, opened by the first certificate (null until then). */
    private volatile WebServer https;
    private boolean stopped; // guarded by this

    private Listeners(NodeOptions options, ProxyHandler handler, WebServer proxy, WebServer admin,
                      SniKeyManager certificates, Drain drain) {
        this.options = options;
        this.handler = handler;
        this.proxy = proxy;
        this.admin = admin;
        this.certificates = certificates;
        this.drain = drain;
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
        SniKeyManager certificates = new SniKeyManager();
        certificates.update(certificatesAtStart.stream().map(PemCertificates::load).toList());
        ProxyHandler handler = new ProxyHandler(current, metrics, accessLog, tracing, drain,
                options.trustedProxies());

        WebServerConfig.Builder proxyConfig = WebServer.builder()
                .shutdownHook(false) // Node drains on SIGTERM itself
                // No discovered features on the proxy: Helidon would add /observe endpoints and a
                // metrics filter to every proxied request (measured: ~10% of the request's CPU).
                .featuresDiscoverServices(false)
                .host(options.host())
                .port(options.port())
                .routing(r -> r.any(handler));
        tune(proxyConfig, options);
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
        Listeners listeners = new Listeners(options, handler, proxy, admin, certificates, drain);
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
                .tls(tls(certificates))
                .routing(r -> r.any(handler));
        tune(config, options);
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

    /** Socket options that decide proxy throughput and limits (see ../shared/docs/proxy-spike.md). */
    private static void tune(ListenerConfig.BuilderBase<?, ?> listener, NodeOptions options) {
        Duration clientTimeout = options.clientTimeout();
        // An idle keep-alive connection is closed after clientTimeout. (Helidon reads client sockets as
        // NIO channels, which ignore SO_TIMEOUT, so a request head that stalls mid-way is bounded only
        // by --max-concurrent-requests; see docs/architecture.md.)
        listener.connectionOptions(o -> o.tcpNoDelay(true))
                .backlog(8192)
                .writeQueueLength(0)
                .writeBufferSize(512)      // per response stream; our body writes are larger and pass it by
                .idleConnectionTimeout(clientTimeout)
                .idleConnectionPeriod(clientTimeout.dividedBy(2).compareTo(Duration.ofSeconds(10)) < 0
                        ? clientTimeout.dividedBy(2) : Duration.ofSeconds(10))
                .shutdownGracePeriod(options.drainTimeout())
                .maxConcurrentRequests(options.maxConcurrentRequests())
                .errorHandling(e -> e.includeEntity(true))     // Helidon's messages reach ProtocolErrors
                .directHandlers(handlers -> handlers
                        .addHandler(DirectHandler.EventType.BAD_REQUEST, PROTOCOL_ERRORS)
                        .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, PROTOCOL_ERRORS))
                .addProtocol(Http1Config.builder()
                        .maxHeadersSize(options.maxHeaderBytes())      // over it: 431 from ProtocolErrors
                        .maxPrologueLength(8192)
                        .receiveLog(false)
                        .sendLog(false)
                        .build());
    }

    private static Tls tls(SniKeyManager certificates) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {certificates}, null, new SecureRandom());
            return Tls.builder().sslContext(ResumableServerContext.wrap(context, certificates.sniMatcher())).build();
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
        this.certificates.update(certificates.stream().map(PemCertificates::load).toList());
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
     * Graceful stop: readiness DOWN at once, the proxy stops accepting, in-flight requests finish
     * (Helidon 4.5 drains within the listener's grace period, set to the drain timeout), then the
     * admin listener closes.
     *
     * @return whether every in-flight request finished within the timeout
     */
    public boolean drainAndStop(Duration timeout) throws InterruptedException {
        drain.begin();
        int inFlight = drain.inFlight();
        LOG.info("event=drain_started in_flight=" + inFlight + " timeout=" + timeout);
        long started = System.nanoTime();
        stopProxies();
        boolean finished = drain.awaitIdle(Duration.ofMillis(100));
        LOG.info("event=drain_finished all_finished=" + finished + " left=" + drain.inFlight() + " took_ms="
                + (System.nanoTime() - started) / 1_000_000);
        admin.stop();
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
        Thread httpsStop = open == null ? null : Thread.ofPlatform().name("https-stop").start(open::stop);
        proxy.stop();
        if (httpsStop != null) {
            httpsStop.join();
        }
    }

    @Override
    public void close() {
        try {
            stopProxies();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.stop();
    }
}
