package stargate.node.trace;

/** A request's SERVER span (see {@link Tracing} for its shape). */
public final class ServerSpan extends RecordedSpan {
    final String method;
    final String path;
    final boolean secure;
    final String authority;
    final String clientIp;
    /** The immediate peer when it differs from {@link #clientIp} (a trusted proxy's); else null. */
    final String peerIp;
    final String protocolVersion;
    final String userAgent;
    String route;
    int status;
    String requestId;
    String consumer;
    /** The plugin rejection event ({@code stargate.plugin.rejected}); 0: none. A request is rejected at most once. */
    long rejectedEpochNanos;
    int rejectedStatus;
    String rejectedPlugin;
    String rejectedError;

    ServerSpan(long traceIdHigh, long traceIdLow, long spanId, long parentSpanId, boolean sampled, long startEpochNanos,
               String method, String path, boolean secure, String authority, String clientIp, String peerIp,
               String protocolVersion, String userAgent) {
        super(traceIdHigh, traceIdLow, spanId, parentSpanId, sampled, startEpochNanos, System.nanoTime());
        this.method = method;
        this.path = path;
        this.secure = secure;
        this.authority = authority;
        this.clientIp = clientIp;
        this.peerIp = peerIp;
        this.protocolVersion = protocolVersion;
        this.userAgent = userAgent;
    }
}
