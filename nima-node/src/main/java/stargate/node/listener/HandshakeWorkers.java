package stargate.node.listener;

import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
 * their share of the machine whatever the rate of new connections.
 *
 * <p>The queue is fair between clients: steps wait in one queue per client address (an IPv6 client per
 * /64, what one host is usually given), and the workers take the queues in turn. A few addresses that
 * flood handshakes (a ClientHello replayed on thousands of connections costs its sender a connect and the
 * node a signature) then delay another client's handshake by one step per flooding address, not by
 * everything they queued: first come, first served let four addresses hold a well-behaved client's
 * handshake past the head deadline (TlsHandshakeFloodTest). The head deadline ({@code
 * --client-header-timeout}) still ends the handshakes that wait too long, and drops their steps.
 *
 * <p>The threads time out when idle. The queues are unbounded: each connection has at most one step
 * queued, so connections (bounded by {@code --max-connections}, and per address) bound them.
 */
final class HandshakeWorkers {
    static final HandshakeWorkers SHARED = new HandshakeWorkers(Runtime.getRuntime().availableProcessors());
    /** The key of steps whose caller serves no client connection (tests, an engine driven elsewhere). */
    private static final Object NO_CLIENT = new Object();

    private final ThreadPoolExecutor pool;
    private final AtomicLong steps = new AtomicLong();
    /** Waiting steps by client, in the order the workers take the clients (round robin). Guarded by itself. */
    private final LinkedHashMap<Object, ArrayDeque<Step<?>>> waiting = new LinkedHashMap<>();

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

    /** Steps waiting for a worker (HandshakeWorkersTest). */
    int waitingSteps() {
        synchronized (waiting) {
            return waiting.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }

    /** One step of a handshake and its outcome. Whoever claims it first runs it (a worker) or drops it (its interrupted caller). */
    private static final class Step<T> {
        final Callable<T> work;
        final AtomicBoolean claimed = new AtomicBoolean();
        final CompletableFuture<T> result = new CompletableFuture<>();

        Step(Callable<T> work) {
            this.work = work;
        }
    }

    /**
     * Runs one step of a handshake on these threads, in the turn of the client this thread serves; the
     * caller waits. An interrupted caller drops a step that has not started (SSLException); one that runs
     * it still waits for (the engine is not safe to use from two threads) and returns. Either way the
     * interrupt status stays set.
     */
    <T> T call(Callable<T> step) throws SSLException {
        return call(clientKey(GuardedConnection.currentClient()), step);
    }

    /** The same, in the turn of {@code client} (a key from {@link #clientKey}). */
    <T> T call(Object client, Callable<T> work) throws SSLException {
        Step<T> step = new Step<>(work);
        synchronized (waiting) {
            waiting.computeIfAbsent(client, c -> new ArrayDeque<>()).add(step);
        }
        pool.execute(this::runNext);        // one turn per step: the workers run as many steps as were queued
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return step.result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (step.claimed.compareAndSet(false, true)) {
                        throw new SSLException("interrupted while waiting to handshake");     // its turn finds it claimed
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

    /** A worker's turn: the next client's oldest step that its caller has not dropped. */
    private void runNext() {
        while (true) {
            Step<?> step = next();
            if (step == null) {
                return;     // an earlier turn ran this turn's step after skipping a dropped one
            }
            if (step.claimed.compareAndSet(false, true)) {
                perform(step);
                return;
            }
        }
    }

    private Step<?> next() {
        synchronized (waiting) {
            var first = waiting.entrySet().iterator();
            if (!first.hasNext()) {
                return null;
            }
            var entry = first.next();
            Step<?> step = entry.getValue().poll();
            first.remove();
            if (!entry.getValue().isEmpty()) {
                waiting.put(entry.getKey(), entry.getValue());      // the client's turn comes again after the others'
            }
            return step;
        }
    }

    private <T> void perform(Step<T> step) {
        steps.incrementAndGet();
        try {
            step.result.complete(step.work.call());
        } catch (Throwable e) {
            step.result.completeExceptionally(e);
        }
    }

    /**
     * Whose turn a step waits for: the client's address, an IPv6 one by its /64 (one host usually has a
     * whole /64, so its addresses would otherwise each get a turn).
     */
    static Object clientKey(InetAddress address) {
        if (address == null) {
            return NO_CLIENT;
        }
        if (address instanceof Inet6Address) {
            return ByteBuffer.wrap(Arrays.copyOf(address.getAddress(), 8));
        }
        return address;
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
