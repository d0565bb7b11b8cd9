package stargate.node.listener;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * Platform threads, one per CPU, that do the CPU-heavy steps of TLS handshakes (key exchange, the
 * certificate's signature) while the connection's virtual thread waits, unmounted.
 *
 * <p>Why: virtual threads share a few carrier threads (one per CPU) in FIFO order. A handshake is
 * 0.3-2 ms of CPU without a pause, so when many connections open at once (a client fleet
 * reconnecting, a load generator starting, a handshake flood) every request on an established
 * connection queued behind all of them: the keep-alive TLS p99 was 3-4x the plain one on the same
 * node (bench/README.md, TLS). Here the handshakes queue among themselves and the operating system
 * shares the CPUs between these threads and the carriers, so requests on open connections keep
 * their share of the machine whatever the rate of new connections. A handshake flood slows new
 * handshakes only, and the head deadline ({@code --client-header-timeout}) still ends the ones that
 * wait too long.
 *
 * <p>The threads time out when idle. The queue is unbounded: each connection has at most one step
 * queued, so connections (bounded by {@code --max-connections}) bound it.
 */
final class HandshakeWorkers {
    static final HandshakeWorkers SHARED = new HandshakeWorkers(Runtime.getRuntime().availableProcessors());

    private final ThreadPoolExecutor pool;
    private final AtomicLong steps = new AtomicLong();

    HandshakeWorkers(int threads) {
        AtomicInteger made = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> Thread.ofPlatform().daemon().name("tls-handshake-" + made.incrementAndGet()).unstarted(task));
        pool.allowCoreThreadTimeOut(true);
    }

    /** Handshake steps these threads have finished (HandshakeWorkersTest: which engine calls come here). */
    long stepsDone() {
        return steps.get();
    }

    /**
     * Runs one step of a handshake on these threads; the caller waits. An interrupted caller drops a
     * step that has not started (SSLException); one that runs it still waits for (the engine is not
     * safe to use from two threads) and returns. Either way the interrupt status stays set.
     */
    <T> T call(Callable<T> step) throws SSLException {
        // who claims the step first: the worker runs it, or the interrupted caller drops it (a future
        // cannot tell running from queued: cancel succeeds on a running task too)
        AtomicBoolean claimed = new AtomicBoolean();
        Future<T> result = pool.submit(() -> {
            if (!claimed.compareAndSet(false, true)) {
                return null;
            }
            steps.incrementAndGet();
            return step.call();
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (claimed.compareAndSet(false, true)) {
                        result.cancel(false);
                        throw new SSLException("interrupted while waiting to handshake");
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SSLException ssl) {
                throw ssl;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new SSLException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The same for a step that returns nothing (a JSSE delegated task). */
    void run(Runnable step) {
        try {
            call(() -> {
                step.run();
                return null;
            });
        } catch (SSLException e) {
            // interrupted before the step started (the connection is being cut): an engine whose task
            // did not run cannot go on, so the connection ends here
            throw new UncheckedIOException(e);
        }
    }
}
