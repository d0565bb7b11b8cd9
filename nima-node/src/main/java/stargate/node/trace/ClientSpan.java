package stargate.node.trace;

/** One upstream attempt's CLIENT span, a child of the request's {@link ServerSpan} (see {@link Tracing}). */
public final class ClientSpan extends RecordedSpan {
    final String method;
    final String upstream;
    final String host;
    final int port;
    /** Target and path, without the query (it may carry secrets); null when the span is not sampled. */
    final String url;
    /** 1 for the first try: {@code http.request.resend_count} is this minus one, from the second. */
    final int attempt;
    /** The upstream's status; 0: none came. */
    int status;

    ClientSpan(ServerSpan server, long spanId, String method, String upstream, String host, int port, String url,
               int attempt) {
        super(server.traceIdHigh, server.traceIdLow, spanId, server.spanId, server.sampled, server.epochNanosNow(),
                System.nanoTime());
        this.traceState = server.traceState;
        this.method = method;
        this.upstream = upstream;
        this.host = host;
        this.port = port;
        this.url = url;
        this.attempt = attempt;
    }
}
