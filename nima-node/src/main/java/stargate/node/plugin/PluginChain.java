package stargate.node.plugin;

import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import stargate.model.Route;
import stargate.node.grpc.GrpcStatus;
import stargate.node.proxy.ErrorResponse;
import stargate.node.proxy.ResponseFields;

/**
 * The plugins of one route, in {@link Phase} order, and how they run: a config-time object built once
 * per snapshot ({@link ChainCompiler}) and shared by all requests on the route.
 *
 * <p>The life of a request through the chain:
 * <ol>
 *   <li>{@link #onRequest}: each stage's request phase in order, until one answers (a {@link Phase#PROXY}
 *       stage's answer stands in for the upstream: the stages of later phases still run). Once an
 *       {@link Phase#AUTH} stage identifies the consumer, that consumer's own plugins join the
 *       chain at their phases, replacing the route's plugin of the same name (a merge of two
 *       sorted arrays: O(route + consumer stages), no allocation).</li>
 *   <li>the proxy forwards, applying the exchange's edits; or the answer is sent ({@link #answer});</li>
 *   <li>{@link #onResponse}: the response phase of every stage whose request phase ran, in the same
 *       order, on the response head before it is sent.</li>
 * </ol>
 *
 * <p>The chain enforces the {@link Plugin} contract and names the stage that broke it: a null
 * verdict, a non-auth plugin setting the consumer, an edit of a proxy-owned header, or any exception
 * in the request phase ends the exchange with 500 {@code plugin_failed} (fail closed: a broken auth
 * plugin never lets a request through); in the response phase it is logged and the stage skipped.
 */
public final class PluginChain {
    private static final System.Logger LOG = System.getLogger(PluginChain.class.getName());

    private final Stage[] stages;
    /** The consumers served now (credentials and their stages), shared by every chain of a compile. */
    private final Consumers.Served consumers;

    PluginChain(Stage[] stages, Consumers.Served consumers) {
        this.stages = stages;
        this.consumers = consumers;
    }

    /** A new exchange for a request on this chain's route, with the consumers served as it starts. */
    public Exchange exchange(IncomingRequest request, Route route, Map<String, String> pathParams, String requestId) {
        return new Exchange(request, route, pathParams, requestId, consumers.get());
    }

    /**
     * Runs the request phase.
     *
     * @return {@link Verdict#PASS} to forward (with {@link Exchange#forwardEdits()}), else the answer to send
     */
    public Verdict onRequest(Exchange exchange) {
        Stage[] consumer = null;
        int r = 0;
        int c = 0;
        boolean respondsToo = false;
        Verdict standIn = null;     // a PROXY-phase answer (a cache hit): the upstream's stand-in, see below
        while (r < stages.length || consumer != null && c < consumer.length) {
            Stage stage;
            if (consumer != null && c < consumer.length
                    && (r == stages.length || consumer[c].phase().compareTo(stages[r].phase()) <= 0)) {
                stage = consumer[c++];
            } else {
                stage = stages[r++];
                if (consumer != null && overridden(consumer, stage.name())) {
                    continue;
                }
            }
            if (standIn != null && stage.phase() == Phase.PROXY) {
                continue;
            }
            Verdict verdict = run(stage, exchange);
            respondsToo |= stage.respondsToo();
            if (!verdict.passes()) {
                if (stage.phase() != Phase.PROXY || standIn != null) {
                    return verdict;
                }
                // It answers for the upstream: the later phases (response transform, log) run as they would
                // around an upstream call, and so does their response phase on the answer.
                standIn = verdict;
            }
            if (consumer == null && exchange.consumer() != null) {
                consumer = exchange.consumers().stagesOf(exchange.consumer().id());
            }
        }
        if (standIn != null) {
            return standIn;
        }
        if (respondsToo) {
            exchange.edits().responseHook((status, headers) -> onResponse(exchange, new ResponseHeaders(status, headers)));
        }
        return Verdict.PASS;
    }

    private static Verdict run(Stage stage, Exchange exchange) {
        exchange.current = stage;
        exchange.ran.add(stage);
        try {
            Verdict verdict = stage.plugin().onRequest(exchange);
            if (verdict == null) {
                throw new IllegalStateException(stage + " returned null from onRequest (return Verdict.PASS to continue)");
            }
            return verdict;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "request " + exchange.requestId() + " route " + exchange.routeId()
                    + ": " + stage + " failed in the request phase: " + e, e);
            return Verdict.reject(500, "plugin_failed", "plugin \"" + stage.name() + "\" failed");
        } finally {
            exchange.current = null;
        }
    }

    private static boolean overridden(Stage[] consumer, String name) {
        for (Stage stage : consumer) {
            if (stage.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Runs the response phase of every stage whose request phase ran. */
    public void onResponse(Exchange exchange, Response response) {
        for (Stage stage : exchange.ran) {
            if (!stage.respondsToo()) {
                continue;
            }
            exchange.current = stage;
            try {
                stage.plugin().onResponse(exchange, response);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "request " + exchange.requestId() + " route " + exchange.routeId()
                        + ": " + stage + " failed in the response phase, skipped: " + e, e);
            } finally {
                exchange.current = null;
            }
        }
    }

    /**
     * Sends a plugin's answer (or the proxy's own rejection, e.g. 413 while streaming) through the
     * response phase; {@code res} must not have been started.
     *
     * @return the status sent
     */
    public int answer(Exchange exchange, ServerResponse res, Verdict verdict) {
        res.status(Status.create(verdict.status()));
        var headers = res.headers();
        headers.set(HeaderNames.create("X-Request-Id"), exchange.requestId());
        if (verdict.closesConnection() && !exchange.request().multiplexed()) {
            // On HTTP/2 the answer ends only its stream (Helidon then discards the rest of that stream's
            // body, window by window); a Connection field there would make the response malformed.
            headers.set(HeaderValues.CONNECTION_CLOSE);
        }
        ResponseHeaders view = new ResponseHeaders(verdict.status(), ResponseFields.of(headers));
        for (String[] header : verdict.headers()) {
            view.addHeader(header[0], header[1]);
        }
        byte[] body;
        if (verdict.error() != null && exchange.request().multiplexed()
                && GrpcStatus.isGrpcContentType(exchange.request().header("content-type"))) {
            // a gRPC call gets a gRPC status, not the JSON error (SPEC §16); the verdict's headers go along as metadata
            onResponse(exchange, view);
            GrpcStatus.head(res, GrpcStatus.forHttpStatus(verdict.status()), verdict.message());
            res.send();
            return verdict.status();
        } else if (verdict.error() != null) {
            headers.set(HeaderNames.CONTENT_TYPE, "application/json");
            body = ErrorResponse.json(verdict.status(), verdict.error(), verdict.message(), exchange.requestId())
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        } else {
            if (verdict.contentType() != null) {
                headers.set(HeaderNames.CONTENT_TYPE, verdict.contentType());
            }
            body = verdict.body();
        }
        onResponse(exchange, view);
        res.send(body);
        return verdict.status();
    }

    /** The stages, for tests and {@code /status}: names in run order. */
    public java.util.List<String> names() {
        return java.util.Arrays.stream(stages).map(Stage::name).toList();
    }
}
