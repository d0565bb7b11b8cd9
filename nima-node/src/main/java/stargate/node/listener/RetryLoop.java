package stargate.node.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import stargate.model.Route;
import stargate.model.routing.RouteMatch;
import stargate.node.balancer.Balancer;
import stargate.node.config.CompiledRoute;
import stargate.node.config.CompiledUpstream;
import stargate.node.config.Target;
import stargate.node.health.PassivePolicy;
import stargate.node.proxy.ClientAddress;
import stargate.node.proxy.ClientWatch;
import stargate.node.proxy.ForwardEdits;
import stargate.node.proxy.ForwardPlan;
import stargate.node.proxy.ProxyExchange;
import stargate.node.proxy.RetryPolicy;
import stargate.node.proxy.UpstreamException;
import stargate.node.proxy.UpstreamTunnel;
import stargate.node.trace.ClientSpan;
import stargate.node.trace.Tracing;

/**
 * The retry loop, the upstream half of an exchange: pick a healthy target, forward through the upstream's circuit
 * breaker, learn from the outcome, retry when the route allows it, and turn a final failure into the
 * client's JSON error (SPEC §5). {@code edits} carries what the route's plugins changed (null when
 * none ran); it applies to every attempt.
 *
 * <p>One attempt: the balancer picks among targets that are healthy, not ejected and not yet tried
 * (falling back to an already tried one when no other is left); none at all is 503
 * {@code no_healthy_upstream}. The circuit admits the attempt or answers 503 {@code circuit_open}. After
 * the attempt its outcome counts against the target (passive checks) and the circuit.
 *
 * <p>Retries, each only when every condition holds: the route lists the failure (or status) and the
 * method, attempts are left, the upstream's {@link stargate.node.proxy.RetryBudget} has a retry to spend,
 * the request body can be sent again, the route's total deadline has not passed, and nothing was sent to
 * the client. A body can be sent again when there is none, or when it was small enough to read whole
 * before the first attempt ({@link ReplayableBody}); a streamed body only until its first byte is read.
 * Retrying a status needs the response held back before it is sent: {@link ProxyExchange#forward(
 * ServerRequest, ServerResponse, stargate.node.proxy.TargetPool, ForwardPlan, IntPredicate)} asks us with
 * the status before it copies a byte; the last attempt's response always goes to the client.
 *
 * <p>With tracing on, each attempt is a CLIENT span under the request's SERVER span (retries are siblings),
 * and its context is the {@code traceparent} the upstream receives.
 *
 * <p>Circuit failures: every upstream failure except a saturated pool (the gateway's own limit), and the
 * statuses in {@link #BREAKER_FAILURES}. Timeouts: connect and read per attempt (the route's
 * {@code timeouts}), each cut to what is left of {@code timeouts.total} when the route sets one: past it no
 * attempt starts and the answer is 504 {@code upstream_timeout}. Once a response head has arrived, only
 * the read (stall) timeout bounds its body.
 */
final class RetryLoop {
    private static final Logger LOG = Logger.getLogger(RetryLoop.class.getName());

    /**
     * Upstream statuses that count as circuit breaker failures: the overload and outage signals. 501 and
     * 505 say the request is unsupported, not that the upstream is unwell.
     */
    private static final int[] BREAKER_FAILURES = {500, 502, 503, 504};

    private final Tracing tracing;

    RetryLoop(Tracing tracing) {
        this.tracing = tracing;
    }

    /** @param path the request's normalized path (SPEC §13), what was routed on; the upstream path is built from it */
    void forward(ServerRequest req, String path, ServerResponse res, CompiledRoute route,
                 RouteMatch<CompiledRoute> match, String requestId, ClientAddress client, ProxyHandler.Outcome outcome,
                 ForwardEdits edits, GatewayAnswer answer) {
        CompiledUpstream upstream = route.upstream();
        RetryPolicy retry = route.retry();
        upstream.retryBudget().onRequest(System.nanoTime());
        int retriesLeft = retry.attempts(req.prologue().method().text());
        boolean bodyless = !req.content().hasEntity();
        byte[] replayableBody = retriesLeft > 0 && !bodyless ? ReplayableBody.read(req, edits) : null;
        Route.Timeouts timeouts = route.route().timeouts();
        long started = System.nanoTime();
        long deadline = timeouts.total() == null ? Long.MAX_VALUE : started + timeouts.total().toNanos();
        String upstreamPath = route.forwardPath().apply(path, req.query().rawValue(), match);
        RequestPickContext pickContext = new RequestPickContext(req, path, client);
        ClientWatch clientWatch = ConnectionGuard.clientWatch();
        List<Target> tried = new ArrayList<>(2);
        UpstreamException lastFailure = null;
        try {
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    outcome.status = 504;
                    answer.send(504, "upstream_timeout", "no response from upstream \"" + upstream.id()
                            + "\" within the route's total timeout of " + timeouts.total().toMillis() + " ms");
                    return;
                }
                try (Balancer.Pick<Target> pick = pick(upstream, pickContext, tried, now)) {
                    if (pick == null) {
                        outcome.status = 503;
                        if (lastFailure != null) {
                            outcome.status = lastFailure.kind().status();
                            answer.send(lastFailure);
                        } else {
                            answer.send(503, "no_healthy_upstream",
                                    "no healthy target in upstream \"" + upstream.id() + "\"");
                        }
                        return;
                    }
                    Target target = pick.target();
                    outcome.target = target;
                    tried.add(target);
                    ClientSpan span = outcome.span == null ? null : tracing.startAttempt(outcome.span,
                            req.prologue().method().text(), upstream.id(), target, upstreamPath, tried.size());
                    ForwardPlan plan = ForwardPlan.create(req, requestId, route.id(), upstreamPath,
                            route.route().preserveHost(), within(timeouts.connect(), deadline, now),
                            within(timeouts.read(), deadline, now), client, replayableBody, edits,
                            span == null ? null : Tracing.traceparent(span), clientWatch);
                    outcome.traceparent = plan.traceparent();
                    Attempt attempt = new Attempt(req, res, target, plan, upstream, retry,
                            retriesLeft > 0 && (bodyless || replayableBody != null) && retry.retriesStatuses());
                    boolean admitted = upstream.circuit().run(attempt::run);
                    if (span != null) {
                        tracing.endAttempt(span, attempt.status, !admitted ? "circuit_open"
                                : attempt.failure == null ? null : attempt.failure.kind().error());
                    }
                    if (!admitted) {
                        outcome.status = 503;
                        answer.send(503, "circuit_open",
                                "circuit breaker of upstream \"" + upstream.id() + "\" is open");
                        return;
                    }
                    if (attempt.failure == null) {
                        if (!attempt.heldBack) {
                            outcome.status = res.status().code();
                            return;
                        }
                        retriesLeft--;
                        logRetry(requestId, route, target, "status " + attempt.status);
                        continue;
                    }
                    lastFailure = attempt.failure;
                    if (retriesLeft > 0 && retry.retries(lastFailure) && !lastFailure.requestBodyConsumed()
                            && upstream.retryBudget().tryRetry(System.nanoTime())) {
                        retriesLeft--;
                        logRetry(requestId, route, target, lastFailure.kind().error());
                        continue;
                    }
                    outcome.status = lastFailure.kind().status();
                    answer.send(lastFailure);
                    return;
                }
            }
        } finally {
            outcome.upstreamNanos = System.nanoTime() - started;
        }
    }

    /**
     * A WebSocket handshake on a {@code websocket: true} route: one attempt on a connection of its own (a
     * handshake is not retried, and the circuit breaker and pool cap are for requests). The upstream's 101
     * goes to {@code handshake}, which switches the client connection when the handler returns (see
     * {@link WebSocketUpgrader}); any other answer is relayed as is.
     *
     * @return whether the upstream switched protocols
     */
    boolean upgrade(ServerRequest req, String path, ServerResponse res, CompiledRoute route,
                    RouteMatch<CompiledRoute> match, String requestId, ClientAddress client,
                    ProxyHandler.Outcome outcome, ForwardEdits edits, GatewayAnswer answer,
                    WebSocketUpgrader.Handshake handshake, long startMillis, long startNanos) {
        CompiledUpstream upstream = route.upstream();
        Route.Timeouts timeouts = route.route().timeouts();
        long started = System.nanoTime();
        Balancer.Pick<Target> pick = pick(upstream, new RequestPickContext(req, path, client), List.of(), started);
        if (pick == null) {
            outcome.status = 503;
            answer.send(503, "no_healthy_upstream", "no healthy target in upstream \"" + upstream.id() + "\"");
            return false;
        }
        boolean switched = false;
        try {
            Target target = pick.target();
            outcome.target = target;
            ForwardPlan plan = ForwardPlan.create(req, requestId, route.id(),
                    route.forwardPath().apply(path, req.query().rawValue(), match), route.route().preserveHost(),
                    timeouts.connect(), timeouts.read(), client, null, edits, null, null);
            outcome.traceparent = plan.traceparent();
            UpstreamTunnel tunnel = ProxyExchange.upgrade(req, res, target.pool(), plan, WebSocketUpgrader.PROTOCOL);
            outcome.upstreamNanos = System.nanoTime() - started;
            if (tunnel == null) {
                outcome.status = res.status().code();
                return false;
            }
            outcome.status = 101;
            handshake.accept(tunnel, pick, new WebSocketRelay.Opened(requestId, route, target, req.path().rawPath(),
                    client.clientIp(), startMillis, startNanos, outcome.upstreamNanos));
            switched = true;
            return true;
        } catch (UpstreamException e) {
            outcome.upstreamNanos = System.nanoTime() - started;
            outcome.status = e.kind().status();
            answer.send(e);
            return false;
        } finally {
            if (!switched) {
                pick.close();
            }
        }
    }

    /** {@code timeout}, cut to what is left before {@code deadline} (at least 1 ms). */
    private static Duration within(Duration timeout, long deadline, long now) {
        if (deadline == Long.MAX_VALUE) {
            return timeout;
        }
        long left = Math.max(1_000_000L, deadline - now);
        return left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
    }

    /** A target not tried yet if one is eligible, else any eligible one, else null. */
    private static Balancer.Pick<Target> pick(CompiledUpstream upstream, RequestPickContext context,
                                              List<Target> tried, long now) {
        if (!tried.isEmpty()) {
            Balancer.Pick<Target> untried = upstream.balancer().pick(context,
                    t -> t.eligible(now) && !tried.contains(t));
            if (untried != null) {
                return untried;
            }
        }
        return upstream.balancer().pick(context, t -> t.eligible(now));
    }

    private static void logRetry(String requestId, CompiledRoute route, Target target, String why) {
        LOG.log(Level.FINE, () -> "event=upstream_retry request_id=" + requestId + " route=" + route.id()
                + " target=" + target.url() + " reason=" + why);
    }

    /**
     * One try on one target; filled in by {@link #run}. As the {@link IntPredicate} handed to
     * {@link ProxyExchange}, it holds back a retryable status while the budget has a retry for it.
     */
    private static final class Attempt implements IntPredicate {
        private final ServerRequest req;
        private final ServerResponse res;
        private final Target target;
        private final ForwardPlan plan;
        private final CompiledUpstream upstream;
        private final RetryPolicy retry;
        private final boolean mayHoldBack;
        int status = -1;
        boolean heldBack;
        UpstreamException failure;

        Attempt(ServerRequest req, ServerResponse res, Target target, ForwardPlan plan, CompiledUpstream upstream,
                RetryPolicy retry, boolean mayHoldBack) {
            this.req = req;
            this.res = res;
            this.target = target;
            this.plan = plan;
            this.upstream = upstream;
            this.retry = retry;
            this.mayHoldBack = mayHoldBack;
        }

        @Override
        public boolean test(int upstreamStatus) {
            heldBack = retry.retriesStatus(upstreamStatus) && upstream.retryBudget().tryRetry(System.nanoTime());
            return heldBack;
        }

        /** Forwards and records the outcome; answers whether the circuit should count it as a failure. */
        boolean run() {
            try {
                status = ProxyExchange.forward(req, res, target.pool(), plan, mayHoldBack ? this : null);
            } catch (UpstreamException e) {
                failure = e;
            }
            PassivePolicy passive = upstream.passive();
            if (failure == null) {
                if (passive != null) {
                    target.health().recordExchange(passive.failedStatus(status), passive, System.nanoTime());
                }
                for (int s : BREAKER_FAILURES) {
                    if (s == status) {
                        return true;
                    }
                }
                return false;
            }
            UpstreamException.Kind kind = failure.kind();
            boolean poolExhausted = kind == UpstreamException.Kind.POOL_EXHAUSTED;
            if (passive != null) {
                target.health().recordExchange(passive.failedExchange(kind.status(),
                        kind == UpstreamException.Kind.CONNECT_FAILED, poolExhausted), passive, System.nanoTime());
            }
            return !poolExhausted;
        }
    }
}
