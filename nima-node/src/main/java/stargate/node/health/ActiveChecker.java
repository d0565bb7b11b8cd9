package stargate.node.health;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

import stargate.model.Upstream;

/**
 * Runs the active health checks of every target: each on its own interval, off the request path.
 *
 * <p>Scheduling: one queue of checks ordered by due time. {@link #runDue(long)} launches every due check
 * on the probe executor (a virtual thread each in production, so a slow probe never delays another) and
 * returns how long until the next one is due, like OkHttp's {@code closeConnections(now)}; one loop thread
 * sleeps that long (or until {@link #reconcile} changes the set). A launched check leaves the queue and
 * comes back due one interval after its launch when its probe ends, so probes of one target never overlap
 * (the timeout is below the interval) and drift only by the loop's own lateness. Cost: O(log n) per probe for n checks.
 *
 * <p>Jitter: a new or changed check is first due at a uniformly random point of its first interval, so
 * 1,000 targets added by one config change are probed evenly over the interval, not in one burst; the
 * fixed rate afterwards keeps that spread.
 *
 * <p>Reconcile: the wanted set is compared with the running one by (upstream, target url); a check whose
 * spec changed (type, path, interval, thresholds, TLS) restarts with its new spec, and a removed one stops
 * at once: it leaves the queue, and a probe of it still running has its result dropped.
 *
 * <p>Time is a parameter: the loop passes {@code System.nanoTime()}, tests pass their own.
 */
final class ActiveChecker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ActiveChecker.class.getName());

    /** A check's identity across config changes. */
    record Key(String upstream, String url) {
    }

    /**
     * What one check should be.
     *
     * @param check  the upstream's active check
     * @param tls    the upstream's TLS settings, for https targets
     * @param health where results go
     */
    record Spec(Upstream.ActiveCheck check, Upstream.Tls tls, TargetHealth health) {
        boolean sameAs(Spec other) {
            return check.equals(other.check) && Objects.equals(tls, other.tls) && health == other.health;
        }
    }

    private final Executor probes;
    private final Clock clock;
    private final RandomGenerator random;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}, as is everything below. */
    private final Map<Key, Task> tasks = new HashMap<>();
    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> Long.compare(a.due - b.due, 0));
    private Thread loop;
    private boolean closed;

    /**
     * @param probes runs each probe (a virtual thread per task in production; {@code Runnable::run} in tests)
     * @param clock  stamps check results
     * @param random draws the first-probe jitter
     */
    ActiveChecker(Executor probes, Clock clock, RandomGenerator random) {
        this.probes = probes;
        this.clock = clock;
        this.random = random;
    }

    /** Makes the running checks exactly {@code wanted}. */
    void reconcile(Map<Key, Spec> wanted, long nowNanos) {
        lock.lock();
        try {
            for (Iterator<Map.Entry<Key, Task>> it = tasks.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Task> entry = it.next();
                Spec spec = wanted.get(entry.getKey());
                if (spec == null || !spec.sameAs(entry.getValue().spec)) {
                    cancel(entry.getValue());
                    it.remove();
                }
            }
            for (Map.Entry<Key, Spec> entry : wanted.entrySet()) {
                if (!tasks.containsKey(entry.getKey())) {
                    try {
                        Task task = new Task(entry.getKey(), entry.getValue());
                        long interval = entry.getValue().check().interval().toNanos();
                        task.due = nowNanos + (long) (random.nextDouble() * interval);
                        tasks.put(entry.getKey(), task);
                        queue.add(task);
                    } catch (IllegalArgumentException e) {
                        LOG.warning("event=health_check_disabled upstream=" + entry.getKey().upstream()
                                + " target=" + entry.getKey().url() + " error=\"" + e.getMessage() + "\"");
                    }
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Launches every check due at {@code nowNanos}.
     *
     * @return nanoseconds until the next check is due; {@link Long#MAX_VALUE} when none is queued
     */
    long runDue(long nowNanos) {
        List<Task> launch = new ArrayList<>();
        long wait;
        lock.lock();
        try {
            while (!queue.isEmpty() && queue.peek().due - nowNanos <= 0) {
                launch.add(queue.poll());
            }
            wait = queue.isEmpty() ? Long.MAX_VALUE : queue.peek().due - nowNanos;
        } finally {
            lock.unlock();
        }
        for (Task task : launch) {
            probes.execute(() -> task.probeOnce(nowNanos));
        }
        return wait;
    }

    /** Checks running now, for tests and {@code /status}. */
    int size() {
        lock.lock();
        try {
            return tasks.size();
        } finally {
            lock.unlock();
        }
    }

    /** Starts the loop thread that calls {@link #runDue} with {@code System.nanoTime()}. */
    void start() {
        lock.lock();
        try {
            loop = Thread.ofVirtual().name("health-checks").start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            // The lock is held from computing the wait until awaitNanos releases it (runDue re-enters it),
            // so a requeue or reconcile in between cannot signal into the void and leave the loop asleep.
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                long wait = runDue(System.nanoTime());
                changed.awaitNanos(Math.min(wait, TimeUnit.SECONDS.toNanos(60)));
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops every check; probes already running finish and are dropped. */
    @Override
    public void close() {
        Thread running;
        lock.lock();
        try {
            closed = true;
            tasks.values().forEach(this::cancel);
            tasks.clear();
            changed.signalAll();
            running = loop;
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.interrupt();
        }
    }

    private void cancel(Task task) {
        task.cancelled = true;
        queue.remove(task);
    }

    /** One target's check; its fields are guarded by {@link #lock} except the probe itself. */
    private final class Task {
        final Key key;
        final Spec spec;
        final Probe probe;
        long due;
        volatile boolean cancelled;

        Task(Key key, Spec spec) {
            this.key = key;
            this.spec = spec;
            this.probe = new Probe(key.url(), spec.check(), spec.tls());
        }

        void probeOnce(long launchedAt) {
            try {
                TargetHealth.CheckResult result = probe.run(clock);
                if (!cancelled) {
                    spec.health().recordProbe(result, spec.check());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health check of " + key + " failed", e);
            } finally {
                requeue(launchedAt);
            }
        }

        private void requeue(long launchedAt) {
            lock.lock();
            try {
                if (!cancelled) {
                    due = launchedAt + spec.check().interval().toNanos();
                    queue.add(this);
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
