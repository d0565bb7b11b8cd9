package stargate.node.proxy;

import java.time.Duration;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The downstream side for tests: a real Helidon WebServer on a loopback port whose one handler
 * forwards every request to {@link #pool} the way the node's wiring does.
 */
final class ProxyFront implements AutoCloseable {
    volatile TargetPool pool;
    volatile boolean preserveHost;
    volatile TrustedProxies trustedProxies = TrustedProxies.NONE;
    volatile Duration connectTimeout = Duration.ofSeconds(2);
    volatile Duration readTimeout = Duration.ofSeconds(5);
    /** Made per request: what plugins would have changed; null for none. */
    volatile java.util.function.Supplier<ForwardEdits> edits = () -> null;
    private final WebServer server;

    ProxyFront() {
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(options -> options.tcpNoDelay(true))
                // room for heads larger than the upstream connection's 16 KiB output buffer
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder().maxHeadersSize(64 * 1024).build())
                .routing(routing -> routing.any(this::handle))
                .build()
                .start();
    }

    int port() {
        return server.port();
    }

    private void handle(ServerRequest req, ServerResponse res) {
        String query = req.query().rawValue();
        String target = req.path().rawPath() + (query.isEmpty() ? "" : "?" + query);
        ForwardPlan plan = ForwardPlan.create(req, RequestId.of(req), "test-route", target, preserveHost,
                                              connectTimeout, readTimeout,
                                              trustedProxies.resolve(req), null, edits.get(), null, null);
        try {
            ProxyExchange.forward(req, res, pool, plan);
        } catch (UpstreamException e) {
            ErrorResponse.send(res, e, plan.requestId());
        }
    }

    @Override
    public void close() {
        server.stop();
        if (pool != null) {
            pool.close();
        }
    }
}
