package stargate.node.listener;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.ProtocolUpgradeHandler;
import stargate.model.routing.MalformedPathException;
import stargate.model.routing.PathNormalizer;
import stargate.model.routing.RouteMatch;
import stargate.node.config.CompiledRoute;
import stargate.node.config.CompiledUpstream;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.Snapshot;
import stargate.node.config.Target;
import stargate.node.grpc.GrpcProxy;
import stargate.node.grpc.GrpcStatus;
import stargate.node.observe.AccessLog;
import stargate.node.observe.Metrics;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.IncomingRequest;
import stargate.node.plugin.PluginChain;
import stargate.node.plugin.Verdict;
import stargate.node.proxy.BodyTooLargeException;
import stargate.node.proxy.ClientAddress;
import stargate.node.proxy.ErrorResponse;
import stargate.node.proxy.ForwardEdits;
import stargate.node.proxy.MalformedBodyException;
import stargate.node.proxy.RequestId;
import stargate.node.proxy.TrustedProxies;
import stargate.node.trace.ServerSpan;
import stargate.node.trace.Tracing;

/**
 * The one Helidon handler on the proxy listener: where a request goes, in order.
 *
 * <ol>
 *   <li>on HTTP/2, refuse a decoded header section over {@code --max-header-size} (431, as HTTP/1.1's limit
 *       does before routing; see {@link HeaderSection});</li>
 *   <li>normalize the path ({@link PathNormalizer}, SPEC §13; 400 {@code bad_request} when refused): every
 *       later step (routing, plugins, balancer, the upstream request) sees only the normalized path, so a
 *       route guard cannot be walked around with {@code ..}, {@code %2e%2e} or {@code //};</li>
 *   <li>read the current {@link Snapshot} once (the request finishes on it, whatever is swapped meanwhile);</li>
 *   <li>match a route (404 {@code no_route});</li>
 *   <li>the route's {@link PluginChain}, if it has one: the request phase may answer instead of the
 *       upstream (401, 429, a CORS preflight...), edit the request, or choose another upstream; the
 *       response phase runs on the response head before it is sent, and on every answer the gateway
 *       makes itself once plugins ran ({@link GatewayAnswer});</li>
 *   <li>{@link RetryLoop}: pick a target with the upstream's balancer (503 {@code no_healthy_upstream})
 *       and forward: stream the request up, the response down (502/504 on failure);</li>
 *   <li>with tracing on, all of the above inside the request's SERVER span ({@link Tracing}), current on the
 *       request's thread meanwhile (log lines name its trace);</li>
 *   <li>on a {@code websocket: true} route, a WebSocket handshake goes to {@link RetryLoop#upgrade} instead,
 *       after the same routing and plugins; the upstream's 101 switches the connection to a
 *       {@link WebSocketRelay} (see {@link WebSocketUpgrader}). On other routes {@code Upgrade} is dropped;</li>
 *   <li>record metrics and one access-log line (a WebSocket's line is written when it closes). The line's
 *       {@code path} is the path as the client sent it, not the normalized one: the log is where an operator
 *       looks for {@code ../} probes, and the {@code route} field already says where the request went.</li>
 * </ol>
 */
final class ProxyHandler implements Handler, ProtocolUpgradeHandler {
    /** The {@code stargate_rejected_total} reason of a 503 over {@code --max-concurrent-requests}. */
    static final String OVERLOADED = "overloaded";
    private static final String OVERLOADED_MESSAGE =
            "the node is serving as many requests as it may (--max-concurrent-requests); retry later";
    /** The answer (if the client still reads) to a body that paused past {@code --client-body-timeout}. */
    private static final String BODY_TIMEOUT = "the request body paused longer than the client body timeout";
    private final CurrentSnapshot current;
    private final Metrics metrics;
    private final AccessLog accessLog;
    private final Tracing tracing;
    private final Drain drain;
    private final TrustedProxies trustedProxies;
    private final int maxHeaderBytes;
    private final int maxConcurrentRequests;
    private final RetryLoop retryLoop;

    /**
     * @param maxConcurrentRequests requests served at once, HTTP/1 and HTTP/2 alike; one more is answered 503
     *                              {@code overloaded}. Counted here, on the in-flight count the drain keeps anyway,
     *                              rather than by Helidon's limit (a semaphore and a token per request).
     */
    ProxyHandler(CurrentSnapshot current, Metrics metrics, AccessLog accessLog, Tracing tracing, Drain drain,
                 TrustedProxies trustedProxies, int maxHeaderBytes, int maxConcurrentRequests) {
        this.current = current;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.tracing = tracing;
        this.drain = drain;
        this.trustedProxies = trustedProxies;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.retryLoop = new RetryLoop(tracing);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        serve(req, res);
    }

    /** A WebSocket handshake ({@link WebSocketUpgrader}): served as any request; a 101 lets the switch go on. */
    @Override
    public void handleProtocolUpgrade(ServerRequest req, ServerResponse res) {
        if (serve(req, res)) {
            res.next();
        }
    }

    /** @return whether the upstream switched protocols (the client gets its 101 when the handler returns) */
    private boolean serve(ServerRequest req, ServerResponse res) {
        WebSocketUpgrader.Handshake handshake = WebSocketUpgrader.take();
        long start = System.nanoTime();
        ConnectionGuard.RequestPhase phase = ConnectionGuard.requestStarted();
        boolean overloaded = drain.enter() > maxConcurrentRequests;
        Outcome outcome = new Outcome();
        outcome.requestId = RequestId.of(req);
        String method = req.prologue().method().text();
        String rawPath = req.path().rawPath();
        ClientAddress client = trustedProxies.resolve(req);
        boolean http1 = req.prologue().protocolVersion().startsWith("1");
        outcome.grpc = !http1 && GrpcStatus.isGrpc(req.headers());
        String badHost;
        if (tracing.on()) {
            outcome.span = tracing.startServer(req, method, rawPath, client.clientIp(), client.peerIp());
        }
        // Current while the request is served, so what is logged meanwhile names its trace (--log-format json).
        try (Tracing.Current ignored = Tracing.current(outcome.span)) {
            if (overloaded) {
                metrics.rejected(OVERLOADED);
                if (http1) {
                    res.headers().set(HeaderValues.CONNECTION_CLOSE);    // as Helidon's own limit answered
                }
                reply(res, outcome, 503, OVERLOADED, OVERLOADED_MESSAGE,
                        outcome.requestId);
            } else if ((badHost = HostHeader.problem(req.headers(), http1)) != null) {
                if (http1) {
                    res.headers().set(HeaderValues.CONNECTION_CLOSE);    // as Helidon answered it
                }
                reply(res, outcome, 400, "bad_request", badHost, outcome.requestId);
            } else if (!http1 && HeaderSection.size(req.headers()) > maxHeaderBytes) {
                reply(res, outcome, 431, "headers_too_large", ProtocolErrors.HEADERS_TOO_LARGE_MESSAGE,
                        outcome.requestId);
            } else {
                serve(req, res, outcome.requestId, method, rawPath, client, outcome, handshake, start);
            }
        } finally {
            long total = System.nanoTime() - start;
            if (outcome.span != null) {
                tracing.endServer(outcome.span, outcome.status, outcome.requestId, outcome.consumer);
            }
            if (outcome.snapshot != null) {
                outcome.snapshot.generation().record(outcome.status, total);
            }
            if (outcome.route != null) {
                outcome.route.metrics().record(method, outcome.status, total, outcome.upstreamNanos);
            } else {
                metrics.unrouted(method, outcome.status, total);
            }
            if (!outcome.switched && accessLog.keeps(outcome.status)) {
                accessLog.log(new AccessLog.Entry(System.currentTimeMillis() - total / 1_000_000, outcome.requestId,
                        outcome.route == null ? null : outcome.route.id(),
                        outcome.route == null ? null : outcome.route.upstream().id(),
                        outcome.target == null ? null : outcome.target.url(),
                        method, rawPath, outcome.status, res.bytesWritten(), total, outcome.upstreamNanos,
                        client.clientIp(), outcome.traceId(), outcome.spanId(), outcome.grpcStatus));
            }
            if (outcome.grpcStatus >= 0) {
                metrics.grpcCall(outcome.route == null ? null : outcome.route.id(), rawPath, outcome.grpcStatus);
            }
            drain.exit();
            phase.finished(outcome.switched);
        }
        if (outcome.switched) {
            return true;
        }
        if (http1 && (asksToClose(req.headers()) || asksToClose(res.headers()))) {
            // RFC 9112 §9.6: the server closes after answering "Connection: close". Helidon 4.5 marks the
            // response but leaves the socket open (openssl s_client, for one, waits), and when it was our
            // answer to a body we stopped reading (413, a broken chunk) it would then parse the rest of
            // that body as the next request: request smuggling. A body left unread is discarded at the socket
            // instead (lingering close), so that the client gets the answer rather than a reset.
            if (req.content().hasEntity() && !req.content().consumed()) {
                ConnectionGuard.lingerOnClose();
            }
            throw new CloseConnectionException("connection closed after answering with Connection: close");
        }
        return false;
    }

    /** {@code Connection: close}; Helidon's containsToken tokenizes through streams, so the common case (no field) goes first. */
    private static boolean asksToClose(io.helidon.http.Headers headers) {
        return headers.contains(HeaderNames.CONNECTION) && headers.containsToken(HeaderValues.CONNECTION_CLOSE);
    }

    private void serve(ServerRequest req, ServerResponse res, String requestId, String method, String rawPath,
                       ClientAddress client, Outcome outcome, WebSocketUpgrader.Handshake handshake, long start) {
        String host = null;     // an absolute-form target's authority, which replaces Host; else req.authority()
        String path;
        try {
            String originForm = rawPath;
            if (!rawPath.startsWith("/") && req.prologue().protocolVersion().startsWith("1")) {
                AbsoluteForm absolute = AbsoluteForm.parse(rawPath);
                if (absolute != null) {
                    host = absolute.authority();
                    originForm = absolute.path();
                    // Helidon's authority() keeps the Host sent; its headers(), which plugins and ProxyExchange read, take this
                    req.header(HeaderValues.create(HeaderNames.HOST, host));
                }
            }
            path = PathNormalizer.normalize(originForm);
        } catch (MalformedPathException | AbsoluteForm.MalformedTargetException e) {
            reply(res, outcome, 400, "bad_request", e.getMessage(), requestId);
            return;
        }
        String query = req.query().rawValue();
        if (query != null && !printableAscii(query)) {
            // HTTP/1.1's request line cannot carry these; an HTTP/2 :path can, and the query goes upstream verbatim.
            reply(res, outcome, 400, "bad_request", "the query holds a byte that is not printable ASCII; percent-encode it",
                    requestId);
            return;
        }
        Snapshot snapshot = current.get();
        if (snapshot == null) {
            reply(res, outcome, 503, "not_ready", "no config loaded yet", requestId);
            return;
        }
        outcome.snapshot = snapshot;
        RouteMatch<CompiledRoute> match = snapshot.routes().match(method, host == null ? req.authority() : host, path,
                new RequestHeaderLookup(req.headers()));
        if (match == null) {
            reply(res, outcome, 404, "no_route", "no route matches " + method + " " + path, requestId);
            return;
        }
        CompiledRoute route = match.item();
        outcome.route = route;
        if (handshake != null && !route.route().websocket()) {
            handshake = null;       // proxied as plain HTTP, Upgrade dropped
        }
        if (outcome.span != null) {
            Tracing.routed(outcome.span, route.id());
        }
        PluginChain chain = route.plugins();
        if (chain == null) {
            GatewayAnswer answer = (status, error, message) -> reply(res, outcome, status, error, message, requestId);
            if (route.upstream().upstream().grpc()) {
                forwardGrpc(req, path, res, route, match, requestId, client, outcome, null, answer);
                return;
            }
            if (handshake != null) {
                upgrade(req, path, res, route, match, requestId, client, outcome, null, answer, handshake, start);
                return;
            }
            try {
                retryLoop.forward(req, path, res, route, match, requestId, client, outcome, null, answer);
            } catch (MalformedBodyException | ConnectionGuard.BodyStalledException e) {
                if (req.prologue().protocolVersion().startsWith("1")) {
                    // HTTP/2: the answer ends only its stream; a Connection field would make it malformed
                    res.headers().set(HeaderValues.CONNECTION_CLOSE);
                }
                if (ConnectionGuard.bodyTimedOut()) {
                    reply(res, outcome, 408, "client_timeout", BODY_TIMEOUT, requestId);
                } else {
                    reply(res, outcome, 400, "bad_request", e.getMessage(), requestId);
                }
            }
            return;
        }
        Exchange exchange = chain.exchange(IncomingRequest.of(req, path, client), route.route(), match.params(),
                requestId);
        Verdict verdict = chain.onRequest(exchange);
        outcome.requestId = exchange.requestId();
        if (exchange.consumer() != null) {
            outcome.consumer = exchange.consumer().id();
        }
        if (!verdict.passes()) {
            if (outcome.span != null && verdict.status() >= 400) {
                Tracing.rejected(outcome.span, exchange.lastPlugin(), verdict.status(), verdict.error());
            }
            outcome.status = chain.answer(exchange, res, verdict);
            return;
        }
        GatewayAnswer answer = (status, error, message) ->
                chain.answer(exchange, res, Verdict.reject(status, error, message));
        CompiledRoute target = route;
        if (exchange.upstreamOverride() != null) {
            CompiledUpstream other = snapshot.upstreams().get(exchange.upstreamOverride());
            if (other == null) {        // validation checks plugin upstream references; a third-party plugin may not
                outcome.status = 500;
                answer.send(500, "plugin_failed", "a plugin chose unknown upstream \""
                        + exchange.upstreamOverride() + "\"");
                return;
            }
            target = route.withUpstream(other);
        }
        if (target.upstream().upstream().grpc()) {
            forwardGrpc(req, path, res, target, match, exchange.requestId(), client, outcome, exchange.forwardEdits(),
                    answer);
            return;
        }
        if (handshake != null) {
            upgrade(req, path, res, target, match, exchange.requestId(), client, outcome, exchange.forwardEdits(),
                    answer, handshake, start);
            return;
        }
        try {
            retryLoop.forward(req, path, res, target, match, exchange.requestId(), client, outcome,
                    exchange.forwardEdits(), answer);
        } catch (BodyTooLargeException e) {
            // The client is still sending: answer now and close, rather than read the rest of a body we refuse.
            outcome.status = chain.answer(exchange, res,
                    Verdict.reject(413, "body_too_large", e.getMessage()).closeConnection());
        } catch (MalformedBodyException | ConnectionGuard.BodyStalledException e) {
            outcome.status = chain.answer(exchange, res, (ConnectionGuard.bodyTimedOut()
                    ? Verdict.reject(408, "client_timeout", BODY_TIMEOUT)
                    : Verdict.reject(400, "bad_request", e.getMessage())).closeConnection());
        }
    }

    /** A call to a gRPC upstream ({@link GrpcProxy}); a WebSocket handshake cannot reach one (gRPC is HTTP/2). */
    private static void forwardGrpc(ServerRequest req, String path, ServerResponse res, CompiledRoute route,
                                    RouteMatch<CompiledRoute> match, String requestId, ClientAddress client,
                                    Outcome outcome, ForwardEdits edits, GatewayAnswer answer) {
        String upstreamPath = route.forwardPath().apply(path, req.query().rawValue(), match);
        GrpcProxy.Result result = new GrpcProxy.Result();
        try {
            GrpcProxy.forward(req, res, route, edits == null ? upstreamPath : edits.apply(upstreamPath), requestId,
                    client, new RequestPickContext(req, path, client), edits, answer::send, result);
        } finally {
            outcome.target = result.target;
            outcome.status = result.status;
            outcome.grpcStatus = result.grpcStatus;
            outcome.upstreamNanos = result.upstreamNanos;
        }
    }

    /** A WebSocket handshake, refused while the node drains (its listeners close the open ones at the deadline). */
    private void upgrade(ServerRequest req, String path, ServerResponse res, CompiledRoute route,
                         RouteMatch<CompiledRoute> match, String requestId, ClientAddress client, Outcome outcome,
                         ForwardEdits edits, GatewayAnswer answer,
                         WebSocketUpgrader.Handshake handshake, long start) {
        if (drain.draining()) {
            outcome.status = 503;
            answer.send(503, "draining", "the node is shutting down; open the WebSocket on another node");
            return;
        }
        long startMillis = System.currentTimeMillis() - (System.nanoTime() - start) / 1_000_000;
        outcome.switched = retryLoop.upgrade(req, path, res, route, match, requestId, client, outcome, edits,
                answer, handshake, startMillis, start);
    }

    private static boolean printableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** The gateway's own answer: JSON (SPEC §5), or on a gRPC call a gRPC status (SPEC §16). */
    private static void reply(ServerResponse res, Outcome outcome, int status, String error, String message,
                              String requestId) {
        outcome.status = status;
        if (outcome.grpc) {
            outcome.grpcStatus = GrpcStatus.forHttpStatus(status);
            GrpcStatus.answer(res, outcome.grpcStatus, message, requestId);
        } else {
            ErrorResponse.send(res, status, error, message, requestId);
        }
    }

    /** What happened to one request, filled in as it goes, read by metrics, the access log and the trace. */
    static final class Outcome {
        String requestId;
        /** The config the request is served with; its generation counts the request. */
        Snapshot snapshot;
        CompiledRoute route;
        Target target;
        int status = 500;
        long upstreamNanos = -1;
        /** The upstream switched protocols: the connection becomes a WebSocket relay. */
        boolean switched;
        /** A gRPC call (HTTP/2, {@code application/grpc}): the gateway's answers are gRPC statuses. */
        boolean grpc;
        /** The {@code grpc-status} the client got; -1 when not a gRPC call or none was sent. */
        int grpcStatus = -1;
        String consumer;
        /** The request's SERVER span; null with tracing off. */
        ServerSpan span;
        /** The {@code traceparent} the last attempt sent upstream; null when none was made. */
        String traceparent;

        /** The access log's {@code trace_id}: the span's, else (tracing off) the one sent upstream. */
        String traceId() {
            if (span != null) {
                return span.traceId();
            }
            return traceparent == null ? null : traceparent.substring(3, 35);
        }

        /** The access log's {@code span_id}: the SERVER span's, else (tracing off) the hop's id sent upstream. */
        String spanId() {
            if (span != null) {
                return span.spanId();
            }
            return traceparent == null ? null : traceparent.substring(36, 52);
        }
    }
}
