package stargate.node.trace;

/**
 * What a span is to this node: its ids, times and outcome as plain fields, filled by {@link Tracing} while the
 * request runs and turned into OTLP protobuf by {@link OtlpEncoder} on the export thread. No attribute map, no
 * context object: a traced request pays a few field writes per span.
 */
abstract sealed class RecordedSpan permits ServerSpan, ClientSpan {
    final long traceIdHigh;
    final long traceIdLow;
    final long spanId;
    /** 0: none (a new trace's SERVER span). */
    final long parentSpanId;
    /** Recorded and exported; an unsampled span only names this hop in the {@code traceparent} sent upstream. */
    final boolean sampled;
    final long startEpochNanos;
    /** {@link System#nanoTime()} at the start: the end is the start plus the monotonic time since. */
    final long startNanoTime;
    long endEpochNanos;
    /** The W3C {@code tracestate} of the trace this span continues, exported as the span's {@code trace_state}; null: none. */
    String traceState;
    /** {@code error.type}; non-null: the span's status is ERROR. */
    String errorType;

    RecordedSpan(long traceIdHigh, long traceIdLow, long spanId, long parentSpanId, boolean sampled,
                 long startEpochNanos, long startNanoTime) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.parentSpanId = parentSpanId;
        this.sampled = sampled;
        this.startEpochNanos = startEpochNanos;
        this.startNanoTime = startNanoTime;
    }

    /** The epoch time of now, on this span's clock: its start plus the monotonic time since (as the SDK does). */
    final long epochNanosNow() {
        return startEpochNanos + (System.nanoTime() - startNanoTime);
    }

    /** The trace id as 32 hex digits (access log, log lines). */
    public final String traceId() {
        return TraceParent.traceId(traceIdHigh, traceIdLow);
    }

    /** The span id as 16 hex digits. */
    public final String spanId() {
        return TraceParent.spanId(spanId);
    }
}
