package stargate.node.proxy;

import java.time.Duration;
import java.util.Objects;

import io.helidon.webserver.http.ServerRequest;
import stargate.node.trace.TraceParent;

/**
 * What the route decided for one exchange, handed to {@link ProxyExchange#forward}.
 *
 * @param upstreamPathAndQuery request target sent upstream, already encoded: {@code /v2/users/7?x=1}
 * @param preserveHost         send the client's {@code Host} instead of the target's
 * @param connectTimeout       bounds the TCP connect, the TLS handshake, and the wait for a free pooled connection
 * @param readTimeout          the longest the upstream connection may make no progress: time to the first
 *                             response byte, and between any two reads or writes afterwards
 * @param requestId            the exchange's {@code X-Request-Id} (see {@link RequestId#of})
 * @param traceparent          the W3C {@code traceparent} to send upstream
 * @param routeId              the matched route, for logs
 * @param client               the peer and the client it stands for, for the forwarding headers
 * @param replayableBody       the whole request body, read before the first attempt so that every attempt
 *                             can send it; null when the body streams from the client (sent once at most)
 * @param edits                what plugins changed (headers, path, body limit, response hook); null when none
 * @param clientWatch          how the exchange waits on its client: the listener's watch (an HTTP/2 stream's body
 *                             pauses and answer writes are bounded there), or {@link ClientWatch#NONE}
 */
public record ForwardPlan(String upstreamPathAndQuery,
                          boolean preserveHost,
                          Duration connectTimeout,
                          Duration readTimeout,
                          String requestId,
                          String traceparent,
                          String routeId,
                          ClientAddress client,
                          byte[] replayableBody,
                          ForwardEdits edits,
                          ClientWatch clientWatch) {

    public ForwardPlan {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(clientWatch, "clientWatch");
        // The target goes onto the request line verbatim: a space, CR or LF from a rewrite would split the request.
        if (upstreamPathAndQuery == null || upstreamPathAndQuery.isEmpty()) {
            throw new IllegalArgumentException("upstream path is empty");
        }
        for (int i = 0; i < upstreamPathAndQuery.length(); i++) {
            char c = upstreamPathAndQuery.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("upstream path has a character that must be percent-encoded: "
                                                   + upstreamPathAndQuery);
            }
        }
    }

    /**
     * A plan for one attempt.
     *
     * @param traceparent the attempt's span context as a {@code traceparent} (tracing on); null: continue the
     *                    client's trace with a new span id, or start one (tracing off)
     * @param edits       the plugins' edits, applied to {@code upstreamPathAndQuery} here; null when none
     * @param clientWatch see the record's component; null: {@link ClientWatch#NONE}
     */
    public static ForwardPlan create(ServerRequest req, String requestId, String routeId, String upstreamPathAndQuery,
                                     boolean preserveHost, Duration connectTimeout, Duration readTimeout,
                                     ClientAddress client, byte[] replayableBody, ForwardEdits edits,
                                     String traceparent, ClientWatch clientWatch) {
        if (traceparent == null) {
            traceparent = TraceParent.next(req.headers().first(TraceParent.HEADER).orElse(null));
        }
        String target = edits == null ? upstreamPathAndQuery : edits.apply(upstreamPathAndQuery);
        return new ForwardPlan(target, preserveHost, connectTimeout, readTimeout, requestId, traceparent, routeId,
                               client, replayableBody, edits, clientWatch == null ? ClientWatch.NONE : clientWatch);
    }
}
