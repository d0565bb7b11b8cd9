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
import stargate.node.observe.AdminEndpoints;
import stargate.node.observe.Metrics;

/**
 * The node's sockets: the proxy listener (http, plus https with SNI certificates when the config
 * has any) and the admin listener. They are two WebServers so the admin port keeps answering
 * (readiness DOWN) while the proxy drains on shutdown.
 */
public final class Listeners implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Listeners.class.getName());
    private static final String HTTPS = "https";
    private static final String ADMIN = "admin";
    private static final ProtocolErrors PROTOCOL_ERRORS = new ProtocolErrors();

    private final WebServer proxy;
    private final WebServer admin;
    private final SniKeyManager certificates;
    private final Drain drain;

    private Listeners(WebServer proxy, WebServer admin, SniKeyManager certificates, Drain drain) {
        this.proxy = proxy;
        this.admin = admin;
        this.certificates = certificates;
        this.drain = drain;
    }

    /**
     * Opens the listeners.
     *
     * @param certificatesAtStart the config's certificates; the https listener opens only when there are some
     */
    public static Listeners start(NodeOptions options, CurrentSnapshot current, Metrics metrics, AccessLog accessLog, List<Certificate> certificatesAtStart) {
        Drain drain = new Drain();
        SniKeyManager certificates = new SniKeyManager();
        certificates.update(certificatesAtStart.stream().map(PemCertificates::load).toList());
        ProxyHandler handler = new ProxyHandler(current, metrics, accessLog, drain, options.trustedProxies());

        WebServerConfig.Builder proxyConfig = WebServer.builder()
                .shutdownHook(false) // Node drains on SIGTERM itself
                // No discovered features on the proxy: Helidon would add /observe endpoints and a
                // metrics filter to every proxied request (measured: ~10% of the request's CPU).
                .featuresDiscoverServices(false)
                .host(options.host())
                .port(options.port())
                .routing(r -> r.any(handler));
        tune(proxyConfig, options);
        if (!certificates.isEmpty()) {
            proxyConfig.putSocket(HTTPS, socket -> {
                socket.host(options.host()).port(options.httpsPort()).tls(tls(certificates)).routing(r -> r.any(handler));
                tune(socket, options);
            });
        }
        WebServer proxy = proxyConfig.build().start();

        AdminEndpoints endpoints = new AdminEndpoints(options.nodeId(), current, metrics, () -> proxy.isRunning() && !drain.draining());
        WebServer admin = WebServer.builder()
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .host(options.adminHost())
                .port(options.adminPort())
                .addFeature(endpoints.observeFeature(WebServer.DEFAULT_SOCKET_NAME))
                .routing(endpoints::routing)
                .build()
                .start();
        LOG.info("event=listening proxy=" + options.host() + ":" + proxy.port()
                + (certificates.isEmpty() ? "" : " https=" + options.host() + ":" + proxy.port(HTTPS))
                + " admin=" + options.adminHost() + ":" + admin.port());
        return new Listeners(proxy, admin, certificates, drain);
    }

    /** Socket options that decide proxy throughput and limits (see shared/docs/proxy-spike.md). */
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
            return Tls.builder().sslContext(ResumableServerContext.wrap(context)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /**
     * New certificates from a config change apply to the next TLS handshake. The https listener
     * itself opens only at start (when the config has certificates then); certificates that arrive
     * later on a node without it are logged, not silently ignored.
     */
    public void updateCertificates(List<Certificate> certificates) {
        if (this.certificates.isEmpty() && !certificates.isEmpty()) {
            LOG.warning("event=https_listener_missing certificates=" + certificates.size()
                    + " action=\"restart the node to open the https port\"");
            return;
        }
        this.certificates.update(certificates.stream().map(PemCertificates::load).toList());
    }

    public int port() {
        return proxy.port();
    }

    /** The https port, or -1 when no https listener is open. */
    public int httpsPort() {
        return certificates.isEmpty() ? -1 : proxy.port(HTTPS);
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
        proxy.stop();
        boolean finished = drain.awaitIdle(Duration.ofMillis(100));
        LOG.info("event=drain_finished all_finished=" + finished + " left=" + drain.inFlight() + " took_ms="
                + (System.nanoTime() - started) / 1_000_000);
        admin.stop();
        return finished;
    }

    @Override
    public void close() {
        proxy.stop();
        admin.stop();
    }
}
