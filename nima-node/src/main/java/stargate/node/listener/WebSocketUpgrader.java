package stargate.node.listener;

import java.util.Optional;

import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import io.helidon.http.Headers;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrade;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrader;
import io.helidon.webserver.http1.spi.Http1UpgradeResponse;
import io.helidon.webserver.http1.spi.Http1UpgradeResult;
import io.helidon.webserver.spi.ServerConnection;
import stargate.node.balancer.Balancer;
import stargate.node.config.Target;
import stargate.node.proxy.UpstreamTunnel;

/**
 * Takes a client connection over after a WebSocket handshake (SPEC §16), through Helidon 4.5's routed
 * HTTP/1 upgrade: for a {@code GET} with {@code Upgrade: websocket} and no body, Helidon asks
 * {@link #routedUpgrade} for a {@link Handshake}, runs the routing's upgrade policy handler, which is
 * {@link ProxyHandler} (routing, plugins, the upstream handshake: everything an ordinary request gets),
 * then {@link Handshake#upgrade}. When the handler got a 101 from the upstream it has handed the
 * {@link Handshake} the tunnel: the client gets the 101 and the connection becomes a {@link WebSocketRelay}.
 * Otherwise the handler already answered (a refusal, or the upstream's non-101 relayed as is) and the
 * connection stays HTTP/1.1.
 *
 * <p>The handler finds the handshake of its request through a thread-local: Helidon runs
 * {@link #routedUpgrade}, the handler and {@link Handshake#upgrade} one after the other on the
 * connection's thread, and the handler takes it out first thing ({@link #take}), so no later request on the
 * connection can see it. A request that comes without one (another {@code Upgrade} token, a body, an
 * upgrade on a route without {@code websocket: true}) is proxied as plain HTTP with {@code Upgrade} dropped.
 */
final class WebSocketUpgrader implements Http1RoutedUpgrader {
    static final String PROTOCOL = "websocket";
    private static final ThreadLocal<Handshake> CURRENT = new ThreadLocal<>();

    private final WebSockets sockets;

    WebSocketUpgrader(WebSockets sockets) {
        this.sockets = sockets;
    }

    @Override
    public String supportedProtocol() {
        return PROTOCOL;
    }

    /** Not used: Helidon calls {@link #routedUpgrade} on a routed upgrader. */
    @Override
    public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
        return null;
    }

    @Override
    public Optional<Http1RoutedUpgrade> routedUpgrade(ConnectionContext ctx, HttpPrologue prologue,
                                                      WritableHeaders<?> headers) {
        if (!Method.GET.equals(prologue.method())) {
            return Optional.empty();      // RFC 6455 §4.1: the handshake is a GET; anything else is plain HTTP
        }
        Handshake handshake = new Handshake(ctx);
        CURRENT.set(handshake);
        return Optional.of(handshake);
    }

    /** The handshake the request on this thread may complete, or null; taking it clears it. */
    static Handshake take() {
        Handshake handshake = CURRENT.get();
        if (handshake != null) {
            CURRENT.remove();
        }
        return handshake;
    }

    /** One client's handshake: the tunnel the handler opened upstream, once it has one. */
    final class Handshake implements Http1RoutedUpgrade {
        private final ConnectionContext ctx;
        private UpstreamTunnel tunnel;
        private Balancer.Pick<Target> pick;
        private WebSocketRelay.Opened opened;

        private Handshake(ConnectionContext ctx) {
            this.ctx = ctx;
        }

        /**
         * The upstream switched: the client connection switches when the handler returns.
         *
         * @param pick held while the WebSocket lives (a least-connections balancer counts it)
         */
        void accept(UpstreamTunnel tunnel, Balancer.Pick<Target> pick, WebSocketRelay.Opened opened) {
            this.tunnel = tunnel;
            this.pick = pick;
            this.opened = opened;
        }

        @Override
        public Http1UpgradeResult upgrade(Http1UpgradeResponse response, Headers requestHeaders) {
            CURRENT.remove();       // the handler did not run (no policy route matched): plain HTTP routing next
            if (tunnel == null) {
                return Http1UpgradeResult.notApplicable();
            }
            try {
                response.sendSwitchingProtocols(tunnel.switchingHeaders(opened.requestId()));
            } catch (RuntimeException e) {
                tunnel.close();
                pick.close();
                throw e;
            }
            return Http1UpgradeResult.upgraded(new WebSocketRelay(ctx, tunnel, pick, opened, sockets));
        }
    }
}
