package stargate.node.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The batching of ended spans, with every lost span counted ({@code stargate_trace_spans_dropped_total}). A request
 * thread only offers its ended span to a bounded queue (full: dropped, counted); one platform thread takes batches,
 * encodes each into one reused buffer ({@link OtlpEncoder}) and sends it ({@link OtlpSender}), waiting at most the
 * export timeout, so a collector that is down or hangs costs spans, never request time.
 */
final class SpanQueue implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SpanQueue.class.getName());
    static final int QUEUE_SPANS = 8192;
    /** Spans per export: each export is an HTTP or gRPC call whose own cost is spread over this many. */
    static final int BATCH_SPANS = 2048;
    /** How long the export thread sleeps between looks at a filling batch. */
    private static final long NAP_MILLIS = 20;
    /** How long a span may wait for a batch to fill before it is exported anyway. */
    static final long DELAY_MILLIS = 500;
    private static final long WARN_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final OtlpEncoder encoder;
    private final OtlpSender sender;
    private final long closeMillis;
    private final ArrayBlockingQueue<RecordedSpan> queue = new ArrayBlockingQueue<>(QUEUE_SPANS);
    private final LongAdder dropped = new LongAdder();
    private final Thread worker;
    private volatile boolean stopping;
    private long nextWarnNanos = System.nanoTime();

    /** @param closeMillis how long {@link #close} waits for the queued spans to be exported */
    SpanQueue(OtlpEncoder encoder, OtlpSender sender, long closeMillis) {
        this.encoder = encoder;
        this.sender = sender;
        this.closeMillis = closeMillis;
        this.worker = new Thread(this::run, "trace-export");
        worker.setDaemon(true);
        worker.start();
    }

    long dropped() {
        return dropped.sum();
    }

    /** Queues an ended sampled span for export; never blocks. */
    void add(RecordedSpan span) {
        if (!queue.offer(span)) {
            dropped.increment();
        }
    }

    private void run() {
        List<RecordedSpan> taken = new ArrayList<>(BATCH_SPANS);
        while (!stopping || !queue.isEmpty()) {
            try {
                RecordedSpan first = queue.poll(DELAY_MILLIS, TimeUnit.MILLISECONDS);
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

    /** Sends {@code spans} in one request, or more when they pass {@link OtlpEncoder#MAX_REQUEST_BYTES}. */
    private void export(List<RecordedSpan> spans) {
        int from = 0;
        while (from < spans.size()) {
            int next = encoder.encode(spans, from, sender.grpc());
            try {
                sender.send(encoder.bytes(), encoder.offset(), encoder.length());
            } catch (Exception e) {     // the collector's refusal, a timeout, a broken connection: the spans are lost
                if (e instanceof InterruptedException) {
                    stopping = true;
                }
                dropped.add(next - from);
                long now = System.nanoTime();
                if (now - nextWarnNanos >= 0) {
                    nextWarnNanos = now + WARN_NANOS;
                    LOG.warning("event=trace_export_failed spans=" + (next - from) + " dropped_total=" + dropped.sum()
                            + " error=\"" + String.valueOf(e).replace('"', '\'') + '"');
                }
            }
            from = next;
        }
    }

    /** Exports what is queued, waiting at most {@code closeMillis}, counts what is left as dropped, and stops. */
    @Override
    public void close() {
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
        sender.close();
    }
}
