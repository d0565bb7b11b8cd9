package stargate.node.grpc;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webclient.http2.StreamTimeoutException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import stargate.model.Route;
import stargate.node.balancer.Balancer;
import stargate.node.balancer.PickContext;
import stargate.node.config.CompiledRoute;
import stargate.node.config.CompiledUpstream;
import stargate.node.config.Target;
import stargate.node.health.PassivePolicy;
import stargate.node.proxy.ClientAddress;
import stargate.node.proxy.ForwardEdits;
import stargate.node.proxy.ResponseFields;

/**
 * Proxies one gRPC call (SPEC §16) to a target of the route's {@code grpc://}/{@code grpcs://} upstream.
 *
 * <ul>
 *   <li>Streams both ways at once: the client's messages go up on a virtual thread as they arrive, the
 *       target's come down as they arrive; neither side's stream is ever held whole. A small body that has
 *       all arrived when the call starts (a unary call's, mostly) goes up from the handler's own thread.
 *       Then the target's trailers ({@code grpc-status}, {@code grpc-message} and any custom ones) end the
 *       client's stream.</li>
 *   <li>Deadline: the client's {@code grpc-timeout}, cut to the route's {@code timeouts.total}; the target
 *       gets what is left as its own {@code grpc-timeout}. Past it the call is cancelled upstream
 *       (RST_STREAM) and the client gets DEADLINE_EXCEEDED. {@code timeouts.read} bounds the wait for the
 *       response headers and between two frames, as for HTTP/1.1.</li>
 *   <li>Cancellation: a client that resets its stream while sending has the upstream stream reset too.</li>
 *   <li>Targets: picked by the upstream's balancer among eligible ones, through its circuit breaker; a
 *       call that reached no target (no connection, headers not sent) goes to another one when the route's
 *       retries allow {@code connect-failure} for POST (nothing was sent, so it is safe); any other failure
 *       is final. Passive health counts unreachable targets, resets and {@code UNAVAILABLE}.</li>
 *   <li>The gateway's own errors are gRPC answers ({@link GrpcStatus}): no healthy target and unreachable
 *       targets UNAVAILABLE, timeouts DEADLINE_EXCEEDED.</li>
 * </ul>
 */
public final class GrpcProxy {
    private static final Logger LOG = Logger.getLogger(GrpcProxy.class.getName());
    /** Request headers the proxy sets itself, or that are HTTP/2 connection-specific (RFC 9113 §8.2.2). */
    private static final Set<String> NOT_COPIED = Set.of("host", "connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "te", "content-length", "grpc-timeout", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "x-request-id");
    /** Response headers not relayed: set by the server for the client's stream, or connection-specific. */
    private static final Set<String> NOT_RELAYED = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "date", "trailer");
    private static final int COPY_BUFFER = 16 * 1024;
    private static final HeaderName TE = HeaderNames.create("te");
    private static final HeaderName GRPC_TIMEOUT = HeaderNames.create("grpc-timeout");
    private static final HeaderName X_FORWARDED_FOR = HeaderNames.create("x-forwarded-for");
    private static final HeaderName X_FORWARDED_PROTO = HeaderNames.create("x-forwarded-proto");
    private static final HeaderName X_REQUEST_ID = HeaderNames.create("x-request-id");
    /**
     * How long after the client's own deadline ({@code grpc-timeout}) the node gives up on the call. The
     * client enforces its deadline itself and resets the stream; the node only has to stop the upstream
     * call. Answering at the very same instant would race the client's RST_STREAM, and Helidon 4.5's
     * HTTP/2 server answers a frame on a stream it has just closed, when a newer stream is open, with
     * GOAWAY PROTOCOL_ERROR: every other call on that connection would fail.
     */
    static final long CLIENT_DEADLINE_GRACE_NANOS = 1_000_000_000L;
    /**
     * How much later than the node's deadline the target's own {@code grpc-timeout} ends: the node cancels
     * the call itself (and answers DEADLINE_EXCEEDED); the target's copy is a backstop.
     */
    static final long UPSTREAM_DEADLINE_SLACK_NANOS = 500_000_000L;
    /**
     * Tries after a refusal (REFUSED_STREAM, or past a GOAWAY's last-stream-id): the target never processed the
     * call, so it goes again whatever the route's retry policy says, a bounded number of times, as grpc-java's
     * transparent retry and Envoy's reset-before-request do. The pool avoids most refusals (it keeps to the
     * target's stream limit and leaves a connection that sent GOAWAY): these are for the races.
     */
    static final int MAX_REFUSED_RETRIES = 3;

    private GrpcProxy() {
    }

    /** Sends the gateway's own answer: through the plugins' response phase when they ran (see the listener). */
    @FunctionalInterface
    public interface Answer {
        void send(int httpStatus, String error, String message);
    }

    /** What happened to one call, for metrics, the access log and the trace. */
    public static final class Result {
        /** The last target tried; null when none was. */
        public Target target;
        /** The HTTP status the client got (200 for every gRPC answer), or the gateway error's HTTP equivalent. */
        public int status = 500;
        /** The {@code grpc-status} the client got; -1 when its stream ended without one (it went away). */
        public int grpcStatus = -1;
        public long upstreamNanos = -1;
    }

    /**
     * @param upstreamPath the {@code :path} to send, already rewritten by the route and its plugins
     * @param edits        the plugins' header edits (null when none ran)
     */
    public static void forward(ServerRequest req, ServerResponse res, CompiledRoute route, String upstreamPath,
                               String requestId, ClientAddress client, PickContext pickContext, ForwardEdits edits,
                               Answer answer, Result result) {
        if (!req.prologue().protocolVersion().startsWith("2")) {
            gatewayAnswer(answer, result, 400, "bad_request", "gRPC needs HTTP/2 (h2 or h2c)");
            return;
        }
        // Only gRPC calls reach a gRPC target: anything else would arrive there as a call it never made
        if (!GrpcStatus.isGrpc(req.headers()) || req.prologue().method() != Method.POST) {
            gatewayAnswer(answer, result, 415, "unsupported_media_type",
                    "a gRPC route takes gRPC calls: POST with content-type application/grpc");
            return;
        }
        CompiledUpstream upstream = route.upstream();
        Route.Timeouts timeouts = route.route().timeouts();
        long started = System.nanoTime();
        long grpcTimeout = GrpcStatus.timeoutNanos(req.headers().first(GRPC_TIMEOUT).orElse(null));
        long deadline = Long.MAX_VALUE;
        if (grpcTimeout >= 0) {
            deadline = started + Math.min(grpcTimeout, Long.MAX_VALUE / 4) + CLIENT_DEADLINE_GRACE_NANOS;
        }
        if (timeouts.total() != null) {
            deadline = Math.min(deadline, started + timeouts.total().toNanos());
        }
        int retriesLeft = route.retry().retriesConnectFailure() ? route.retry().attempts("POST") : 0;
        int refusalsLeft = MAX_REFUSED_RETRIES;
        RequestBody body = new RequestBody(req.content().inputStream());
        List<Target> tried = new ArrayList<>(2);
        String lastFailure = null;
        try {
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    gatewayAnswer(answer, result, 504, "upstream_timeout", "deadline exceeded before the call reached a target");
                    return;
                }
                try (Balancer.Pick<Target> pick = pick(upstream, pickContext, tried, now)) {
                    if (pick == null) {
                        gatewayAnswer(answer, result, 503, "no_healthy_upstream", lastFailure != null ? lastFailure
                                : "no healthy target in upstream \"" + upstream.id() + "\"");
                        return;
                    }
                    Target target = pick.target();
                    result.target = target;
                    tried.add(target);
                    Call call = new Call(req, res, target, upstream, upstreamPath, route.route().preserveHost(),
                            requestId, client, edits, timeouts, deadline, body);
                    boolean admitted = upstream.circuit().run(call::run);
                    if (!admitted) {
                        gatewayAnswer(answer, result, 503, "circuit_open",
                                "circuit breaker of upstream \"" + upstream.id() + "\" is open");
                        return;
                    }
                    if (call.abandoned) {
                        result.status = 499;            // as nginx logs a client that went away
                        result.grpcStatus = GrpcStatus.CANCELLED;
                        throw ClientStream.abandon();
                    }
                    if (call.refused && refusalsLeft > 0) {
                        refusalsLeft--;
                        LOG.log(Level.FINE, () -> "event=upstream_retry request_id=" + requestId + " route="
                                + route.id() + " target=" + target.url() + " reason=refused-stream");
                        continue;
                    }
                    if (call.refused) {
                        gatewayAnswer(answer, result, 503, "upstream_refused", "target " + target.url()
                                + " refused the call " + (MAX_REFUSED_RETRIES + 1) + " times");
                        return;
                    }
                    if (call.unavailable == null) {
                        result.status = 200;
                        result.grpcStatus = call.grpcStatus;
                        return;
                    }
                    lastFailure = call.unavailable.getMessage();
                    if (retriesLeft > 0) {
                        retriesLeft--;
                        LOG.log(Level.FINE, () -> "event=upstream_retry request_id=" + requestId + " route="
                                + route.id() + " target=" + target.url() + " reason=connect-failure");
                        continue;
                    }
                    gatewayAnswer(answer, result, 502, "upstream_unreachable", lastFailure);
                    return;
                }
            }
        } finally {
            result.upstreamNanos = System.nanoTime() - started;
        }
    }

    private static void gatewayAnswer(Answer answer, Result result, int httpStatus, String error, String message) {
        result.status = httpStatus;
        result.grpcStatus = GrpcStatus.forHttpStatus(httpStatus);
        answer.send(httpStatus, error, message);
    }

    /** A target not tried yet if one is eligible, else any eligible one, else null. */
    private static Balancer.Pick<Target> pick(CompiledUpstream upstream, PickContext context, List<Target> tried,
                                              long now) {
        if (!tried.isEmpty()) {
            Balancer.Pick<Target> untried = upstream.balancer().pick(context, t -> t.eligible(now) && !tried.contains(t));
            if (untried != null) {
                return untried;
            }
        }
        return upstream.balancer().pick(context, t -> t.eligible(now));
    }

    /** One try of a call on one target, run inside the circuit breaker. */
    private static final class Call {
        private final ServerRequest req;
        private final ServerResponse res;
        private final Target target;
        private final CompiledUpstream upstream;
        private final String upstreamPath;
        private final boolean preserveHost;
        private final String requestId;
        private final ClientAddress client;
        private final ForwardEdits edits;
        private final Route.Timeouts timeouts;
        private final long deadline;
        private final RequestBody body;
        /** Set when the target refused the call unprocessed and it can be sent again: the caller tries again. */
        boolean refused;
        /** Set when nothing reached the target: the caller may try another. */
        UpstreamCall.Unavailable unavailable;
        int grpcStatus = -1;
        /** The client reset its stream: nothing more may be written to it. */
        boolean abandoned;

        Call(ServerRequest req, ServerResponse res, Target target, CompiledUpstream upstream, String upstreamPath,
             boolean preserveHost, String requestId, ClientAddress client, ForwardEdits edits,
             Route.Timeouts timeouts, long deadline, RequestBody body) {
            this.req = req;
            this.res = res;
            this.target = target;
            this.upstream = upstream;
            this.upstreamPath = upstreamPath;
            this.preserveHost = preserveHost;
            this.requestId = requestId;
            this.client = client;
            this.edits = edits;
            this.timeouts = timeouts;
            this.deadline = deadline;
            this.body = body;
        }

        /** @return whether the circuit breaker counts this try as a failure */
        boolean run() {
            GrpcChannel channel = target.grpc();
            ClientStream clientStream = ClientStream.of(res);
            UpstreamCall.Opening opening;
            try {
                opening = opening(clientStream);
            } catch (IOException | RuntimeException e) {
                abandoned = true;           // the client's body broke off: a reset
                LOG.fine(() -> "event=grpc_client_cancelled request_id=" + requestId + " error=" + e);
                return false;
            }
            long now = System.nanoTime();
            UpstreamCall call;
            try {
                call = channel.start(requestHeaders(channel, now), opening, within(timeouts.connect(), now));
            } catch (UpstreamCall.Unavailable e) {
                unavailable = e;
                recordPassive(true, 502);
                return true;
            }
            Relay relay = new Relay(call, channel, clientStream, opening);
            try {
                grpcStatus = relay.run();
            } catch (RefusedException e) {
                refused = true;
                LOG.fine(() -> "event=grpc_call_refused request_id=" + requestId + " target=" + target.url());
                return false;
            } catch (ClientGoneException e) {
                abandoned = true;
                call.cancel();
                LOG.fine(() -> "event=grpc_client_cancelled request_id=" + requestId + " target=" + target.url());
                return false;
            } finally {
                call.close();
            }
            boolean failed = relay.transportFailed || grpcStatus == GrpcStatus.UNAVAILABLE;
            recordPassive(false, failed ? 503 : grpcStatus == GrpcStatus.DEADLINE_EXCEEDED ? 504 : 200);
            return failed;
        }

        /**
         * What of the client's body goes up with the request headers: what earlier tries (refused by their
         * target) read of it, sent again; else, when all of it has arrived (so no read waits), up to
         * {@link #COPY_BUFFER} of it, so that a unary call's message goes with its headers in one write and needs
         * no pump thread; else nothing (null): the pump sends the body as it comes.
         */
        private UpstreamCall.Opening opening(ClientStream clientStream) throws IOException {
            byte[] earlier = body.earlier();
            if (earlier.length > 0 || body.ended()) {
                return new UpstreamCall.Opening(earlier, body.ended());
            }
            if (!clientStream.bodyComplete()) {
                return null;
            }
            byte[] bytes = body.readUpTo(COPY_BUFFER);
            return new UpstreamCall.Opening(bytes, body.ended());
        }

        private void recordPassive(boolean connectFailed, int status) {
            PassivePolicy passive = upstream.passive();
            if (passive != null) {
                boolean failed = connectFailed ? passive.failedExchange(status, true, false) : passive.failedStatus(status);
                target.health().recordExchange(failed, passive, System.nanoTime());
            }
        }

        private Duration within(Duration timeout, long now) {
            if (deadline == Long.MAX_VALUE) {
                return timeout;
            }
            long left = Math.max(1_000_000L, deadline - now);
            return left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
        }

        /** The call's request headers: the client's metadata, the plugins' edits, the forwarding headers. */
        private Http2Headers requestHeaders(GrpcChannel channel, long now) {
            WritableHeaders<?> headers = WritableHeaders.create();
            Headers in = req.headers();
            ClientAddress from = client;
            String forwardedFor = null;
            for (Header header : in) {
                String lower = header.headerName().lowerCase();
                if (lower.equals("x-forwarded-for") && from.trustedPeer()) {
                    forwardedFor = String.join(", ", header.allValues());
                }
                if (NOT_COPIED.contains(lower) || lower.startsWith(":") || lower.startsWith("x-forwarded-")
                        || lower.equals("forwarded") || lower.equals("x-real-ip")
                        || edits != null && edits.removesHeader(lower)) {
                    continue;
                }
                headers.add(header);
            }
            if (edits != null) {
                for (String[] added : edits.addedHeaders()) {
                    headers.add(HeaderNames.create(added[0].toLowerCase(Locale.ROOT)), added[1]);
                }
            }
            headers.set(TE, "trailers");
            String peerIp = from.peerIp();
            headers.set(X_FORWARDED_FOR, forwardedFor == null ? peerIp : forwardedFor + ", " + peerIp);
            headers.set(X_FORWARDED_PROTO, req.isSecure() ? "https" : "http");
            // Values new on every call are marked changing: HPACK then sends them as literals without adding
            // them to the connection's table, where they would only push out the values that repeat
            headers.set(HeaderValues.create(X_REQUEST_ID, true, false, requestId));
            if (deadline != Long.MAX_VALUE) {
                headers.set(HeaderValues.create(GRPC_TIMEOUT, true, false,
                        GrpcStatus.timeoutValue(deadline - now + UPSTREAM_DEADLINE_SLACK_NANOS)));
            }
            Http2Headers h2 = Http2Headers.create(headers);
            h2.method(Method.POST);
            h2.path(upstreamPath);
            h2.scheme(channel.scheme());
            h2.authority(preserveHost ? req.authority() : channel.authority());
            return h2;
        }

        /** Moves one call's frames both ways; returns the {@code grpc-status} the client got. */
        private final class Relay {
            private final UpstreamCall call;
            private final GrpcChannel channel;
            private final ClientStream clientStream;
            private final UpstreamCall.Opening opening;
            /** Set by the pump when the client's body broke off (a reset while it was sending). */
            private final AtomicBoolean clientGone = new AtomicBoolean();
            boolean transportFailed;
            private boolean headersSent;

            Relay(UpstreamCall call, GrpcChannel channel, ClientStream clientStream, UpstreamCall.Opening opening) {
                this.call = call;
                this.channel = channel;
                this.clientStream = clientStream;
                this.opening = opening;
            }

            int run() {
                if (opening != null && !call.openingSent()) {
                    write(opening.bytes(), 0, opening.bytes().length, opening.last());   // the windows were short
                }
                if (body.ended()) {
                    return relayResponse();         // all of the body went up: no pump thread
                }
                Thread pump = Thread.ofVirtual().name("grpc-up-" + requestId).start(this::pumpRequest);
                try {
                    return relayResponse();
                } finally {
                    if (pump.isAlive()) {
                        call.cancel();          // the response ended first (an error, a deadline): stop the upload
                        pump.interrupt();
                        try {
                            // Helidon drains what is left of the request body when the handler returns: the
                            // pump must not be reading it then
                            pump.join(Duration.ofSeconds(5));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        if (pump.isAlive()) {
                            body.lose();
                        }
                    }
                }
            }

            /**
             * One DATA frame to the target. A failed write is the target's (or a refusal): the relay, reading
             * the same upstream stream, sees and answers it.
             */
            private void write(byte[] bytes, int offset, int length, boolean last) {
                try {
                    call.writeData(BufferData.create(bytes, offset, length), last);
                } catch (RuntimeException e) {
                    LOG.fine(() -> "event=grpc_upload_stopped request_id=" + requestId + " error=" + e);
                }
            }

            /**
             * The client's body, frame by frame, to the target. A failed read is the client's (a reset):
             * the upstream stream is reset too. A failed write is the target's: the pump stops, and the
             * relay, reading the same upstream stream, sees the failure and answers it.
             */
            private void pumpRequest() {
                byte[] buffer = new byte[COPY_BUFFER];
                try {
                    while (true) {
                        int n;
                        try {
                            n = body.read(buffer);
                        } catch (IOException | RuntimeException e) {
                            body.lose();
                            if (!Thread.currentThread().isInterrupted()) {
                                clientGone.set(true);
                                call.cancel();
                            }
                            return;
                        }
                        if (n < 0) {
                            call.writeData(BufferData.empty(), true);
                            return;
                        }
                        call.writeData(BufferData.create(buffer, 0, n), false);    // written before it returns
                    }
                } catch (RuntimeException e) {
                    LOG.fine(() -> "event=grpc_upload_stopped request_id=" + requestId + " error=" + e);
                }
            }

            private int relayResponse() {
                Http2Headers head;
                try {
                    head = awaitHeaders();
                } catch (DeadlineException e) {
                    call.cancel();
                    checkClient();
                    return answer(GrpcStatus.DEADLINE_EXCEEDED, "deadline exceeded waiting for upstream \""
                            + upstream.id() + "\"");
                } catch (ClientGoneException e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (call.refused() && body.replayable()) {
                        throw new RefusedException();
                    }
                    return failed("no response headers from " + target.url(), e);
                }
                checkClient();
                if (head.httpHeaders().contains(GrpcStatus.STATUS) && !call.hasEntity()) {
                    return trailersOnly(head);         // the target answered with one header block: relay it as such
                }
                int upstreamStatus = head.status().code();
                if (upstreamStatus != 200) {
                    call.cancel();
                    return answer(upstreamStatus == 503 || upstreamStatus == 502 || upstreamStatus == 504
                                    ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNKNOWN,
                            "upstream answered HTTP " + upstreamStatus);
                }
                res.status(200);
                ServerResponseHeaders out = res.headers();
                copy(head.httpHeaders(), out);
                out.set(HeaderNames.TRAILER, "grpc-status, grpc-message");
                headersSent = true;
                OutputStream body = res.outputStream();
                try {
                    while (true) {
                        Http2FrameData frame = readFrame();
                        checkClient();
                        if (frame != null && frame.data().available() > 0) {
                            byte[] bytes = frame.data().readBytes();
                            body.write(bytes);
                            body.flush();
                        }
                        if (call.trailers().isDone() || !call.hasEntity() && frame == null) {
                            break;
                        }
                    }
                } catch (DeadlineException e) {
                    call.cancel();
                    checkClient();
                    return trailers(GrpcStatus.DEADLINE_EXCEEDED, "deadline exceeded", null);
                } catch (IOException | UncheckedIOException e) {
                    throw new ClientGoneException();
                } catch (ClientGoneException e) {
                    throw e;
                } catch (RuntimeException e) {
                    return failed("upstream stream of " + target.url() + " failed", e);
                }
                checkClient();
                Headers trailers = call.trailers().getNow(null);
                if (trailers == null || !trailers.contains(GrpcStatus.STATUS)) {
                    return trailers(GrpcStatus.INTERNAL, "upstream ended the call without grpc-status", null);
                }
                return trailers(parseStatus(trailers), null, trailers);
            }

            /** Throws {@link ClientGoneException} once the client reset its stream: checked before every write. */
            private void checkClient() {
                if (clientGone.get() || clientStream.reset()) {
                    throw new ClientGoneException();
                }
            }

            /** The response headers, or the deadline (polled in slices so a passed deadline is seen). */
            private Http2Headers awaitHeaders() {
                long readLimit = System.nanoTime() + timeouts.read().toNanos();
                while (true) {
                    try {
                        return call.readHeaders();      // waits at most one poll slice (UpstreamCall.POLL)
                    } catch (StreamTimeoutException e) {
                        checkClient();
                        checkDeadline(readLimit);
                        call.checkConnection();
                    }
                }
            }

            /** The next DATA frame (null when a trailer block or nothing came in this slice). */
            private Http2FrameData readFrame() {
                long readLimit = System.nanoTime() + timeouts.read().toNanos();
                while (true) {
                    try {
                        Http2FrameData frame = call.readOne(slice(readLimit));
                        if (frame != null || call.trailers().isDone() || !call.hasEntity()) {
                            return frame;
                        }
                    } catch (StreamTimeoutException e) {
                        checkClient();
                        checkDeadline(readLimit);
                        call.checkConnection();
                    }
                }
            }

            private Duration slice(long readLimit) {
                long until = Math.min(readLimit, deadline);
                long left = until - System.nanoTime();
                return Duration.ofNanos(Math.max(1_000_000L, Math.min(left, 250_000_000L)));
            }

            private void checkDeadline(long readLimit) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    throw new DeadlineException();
                }
                if (now - readLimit >= 0) {
                    throw new ReadTimeoutException();
                }
            }

            /** A failure of the upstream stream or connection: UNAVAILABLE to the client, the connection dropped. */
            private int failed(String what, RuntimeException e) {
                transportFailed = true;
                checkClient();
                boolean timeout = e instanceof ReadTimeoutException;
                if (!timeout) {
                    channel.dropConnectionOf(call);
                }
                call.cancel();
                LOG.fine(() -> "event=grpc_upstream_failed request_id=" + requestId + " target=" + target.url()
                        + " error=" + e);
                int status = timeout ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE;
                String message = timeout ? what + ": no frame within the route's read timeout of "
                        + timeouts.read().toMillis() + " ms" : what + ": " + e.getMessage();
                return headersSent ? trailers(status, message, null) : answer(status, message);
            }

            /** A gateway answer before any response header went out. */
            private int answer(int status, String message) {
                GrpcStatus.answer(res, status, message, requestId);
                return status;
            }

            /**
             * The target answered Trailers-Only (one header block, status included, no message): every field
             * of it is trailer metadata, so all but its content-type go in the client's trailers (Helidon
             * sends no Trailers-Only block: headers, then trailers).
             */
            private int trailersOnly(Http2Headers head) {
                res.status(200);
                ServerResponseHeaders out = res.headers();
                out.set(HeaderNames.TRAILER, "grpc-status, grpc-message");
                var trailers = res.trailers();
                for (Header h : head.httpHeaders()) {
                    String lower = h.headerName().lowerCase();
                    if (lower.startsWith(":") || NOT_RELAYED.contains(lower)) {
                        continue;
                    }
                    if (lower.equals("content-type")) {
                        out.set(h);
                    } else {
                        trailers.set(h);
                    }
                }
                out.set(HeaderValues.create(X_REQUEST_ID, true, false, requestId));
                if (edits != null && edits.responseHook() != null) {
                    edits.responseHook().beforeSend(200, ResponseFields.of(out));
                }
                res.send();
                return parseStatus(head.httpHeaders());
            }

            /** Ends the client's stream with trailers: the target's, or the gateway's status when {@code from} is null. */
            private int trailers(int status, String message, Headers from) {
                var trailers = res.trailers();
                if (from != null) {
                    for (Header h : from) {
                        if (!h.headerName().lowerCase().startsWith(":")) {
                            trailers.set(h);
                        }
                    }
                } else {
                    trailers.set(GrpcStatus.STATUS, Integer.toString(status));
                    trailers.set(GrpcStatus.MESSAGE, GrpcStatus.encodeMessage(message));
                }
                return status;
            }

            private void copy(Headers from, ServerResponseHeaders to) {
                for (Header h : from) {
                    String lower = h.headerName().lowerCase();
                    if (!lower.startsWith(":") && !NOT_RELAYED.contains(lower)) {
                        to.set(h);
                    }
                }
                to.set(HeaderValues.create(X_REQUEST_ID, true, false, requestId));
                if (edits != null && edits.responseHook() != null) {
                    edits.responseHook().beforeSend(200, ResponseFields.of(to));
                }
            }
        }
    }

    private static int parseStatus(Headers headers) {
        try {
            return Integer.parseInt(headers.get(GrpcStatus.STATUS).get().trim());
        } catch (RuntimeException e) {
            return GrpcStatus.UNKNOWN;
        }
    }

    /** The client reset its stream (seen by the pump, or in the stream's state). */
    private static final class ClientGoneException extends RuntimeException {
        ClientGoneException() {
            super("client reset the stream", null, false, false);
        }
    }

    /** The target refused the call unprocessed, and it can be sent again. */
    private static final class RefusedException extends RuntimeException {
        RefusedException() {
            super("refused stream", null, false, false);
        }
    }

    /** No frame from the target within the route's {@code timeouts.read}. */
    private static final class ReadTimeoutException extends RuntimeException {
        ReadTimeoutException() {
            super("read timeout", null, false, false);
        }
    }

    /** The call's deadline passed. */
    private static final class DeadlineException extends RuntimeException {
        DeadlineException() {
            super("deadline exceeded", null, false, false);
        }
    }
}
