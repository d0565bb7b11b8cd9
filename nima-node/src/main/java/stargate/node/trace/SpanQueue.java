package stargate.node.trace;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The batch span processor, with every lost span counted ({@code stargate_trace_spans_dropped_total}): the
 * SDK's {@code BatchSpanProcessor} reports neither its queue drops (except through an SDK meter provider)
 * nor the spans of a failed export. A request thread only offers its ended span to a bounded queue (full:
 * dropped, counted); one platform thread takes batches and exports them, waiting at most the exporter's
 * timeout, so a collector that is down or hangs costs spans, never request time.
 */
final class SpanQueue implements SpanProcessor {
    private static final Logger LOG = Logger.getLogger(SpanQueue.class.getName());
    static final int QUEUE_SPANS = 8192;
    /** Spans per export: each export is an HTTP or gRPC call whose own cost is spread over this many. */
    static final int BATCH_SPANS = 2048;
    /** How long the export thread sleeps between looks at a filling batch. */
    private static final long NAP_MILLIS = 20;
    /** How long a span may wait for a batch to fill before it is exported anyway. */
    static final long DELAY_MILLIS = 500;
    private static final long WARN_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final SpanExporter exporter;
    private final long exportTimeoutMillis;
    private final long closeMillis;
    private final ArrayBlockingQueue<ReadableSpan> queue = new ArrayBlockingQueue<>(QUEUE_SPANS);
    private final LongAdder dropped = new LongAdder();
    private final Thread worker;
    private volatile boolean stopping;
    private long nextWarnNanos = System.nanoTime();

    /** @param closeMillis how long {@link #shutdown} waits for the queued spans to be exported */
    SpanQueue(SpanExporter exporter, long exportTimeoutMillis, long closeMillis) {
        this.exporter = exporter;
        this.exportTimeoutMillis = exportTimeoutMillis;
        this.closeMillis = closeMillis;
        this.worker = new Thread(this::run, "trace-export");
        worker.setDaemon(true);
        worker.start();
    }

    long dropped() {
        return dropped.sum();
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getSpanContext().isSampled() && !queue.offer(span)) {
            dropped.increment();
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    private void run() {
        List<ReadableSpan> taken = new ArrayList<>(BATCH_SPANS);
        while (!stopping || !queue.isEmpty()) {
            try {
                ReadableSpan first = queue.poll(DELAY_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                // The batch fills while this thread sleeps in short naps: taking spans one by one would
                // wake it (and make each request's offer signal it) for every span.
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELAY_MILLIS);
                while (queue.size() < BATCH_SPANS - 1 && !stopping) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, NAP_MILLIS));
                }
                queue.drainTo(taken, BATCH_SPANS - taken.size());
            } catch (InterruptedException e) {
                stopping = true;
            }
            if (!taken.isEmpty()) {
                export(taken);
                taken.clear();
            }
        }
    }

    private void export(List<ReadableSpan> spans) {
        List<SpanData> batch = new ArrayList<>(spans.size());
        for (ReadableSpan span : spans) {
            batch.add(span.toSpanData());
        }
        CompletableResultCode result;
        try {
            result = exporter.export(batch).join(exportTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofExceptionalFailure(e);
        }
        if (!result.isSuccess()) {
            dropped.add(batch.size());
            long now = System.nanoTime();
            if (now - nextWarnNanos >= 0) {
                nextWarnNanos = now + WARN_NANOS;
                Throwable why = result.getFailureThrowable();
                LOG.warning("event=trace_export_failed spans=" + batch.size() + " dropped_total=" + dropped.sum()
                        + (why == null ? (result.isDone() ? "" : " error=\"timed out\"")
                                       : " error=\"" + why.toString().replace('"', '\'') + '"'));
            }
        }
    }

    @Override
    public CompletableResultCode shutdown() {
        stopping = true;           // the worker exports what is queued, then ends
        try {
            worker.join(closeMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = queue.size();
        queue.clear();
        dropped.add(left);
        if (worker.isAlive()) {
            LOG.warning("event=trace_export_close_timeout spans_dropped=" + left
                    + " note=\"the collector did not take the last spans within " + closeMillis + " ms\"");
        }
        return exporter.shutdown();
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }
}
