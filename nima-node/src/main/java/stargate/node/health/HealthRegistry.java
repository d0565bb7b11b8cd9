package stargate.node.health;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.random.RandomGenerator;

import stargate.model.Upstream;
import stargate.node.observe.Metrics;

/**
 * The health state of every upstream, kept across config changes: each target's {@link TargetHealth}
 * (keyed by upstream id and target url), each upstream's {@link Circuit} (kept while its
 * {@code circuit_breaker} is unchanged), and the {@link ActiveChecker} that probes them.
 *
 * <p>Life cycle: the compiler asks for {@link #target} and {@link #circuit} while it builds a snapshot;
 * after the snapshot is published, {@link #published} drops what the new config no longer has (their
 * gauges too) and reconciles the active checks with it, so a removed upstream stops being probed at once
 * and a changed check applies without a restart.
 */
public final class HealthRegistry implements AutoCloseable {
    private final Metrics metrics;
    private final ActiveChecker checker;
    private final Map<String, Entry> targets = new ConcurrentHashMap<>();
    private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();
    private final Map<String, Runnable> circuitGauges = new ConcurrentHashMap<>();

    /** A registry whose active checks run on virtual threads. */
    public HealthRegistry(Metrics metrics) {
        this(metrics, Thread.ofVirtual().name("health-probe-", 0).factory()::newThread, Clock.systemUTC());
    }

    HealthRegistry(Metrics metrics, ThreadFactory probeThreads, Clock clock) {
        this.metrics = metrics;
        Executor probes = task -> probeThreads.newThread(task).start();
        this.checker = new ActiveChecker(probes, clock, RandomGenerator.getDefault());
        checker.start();
    }

    /** The health of {@code target} in {@code upstream}: the one it had if it was there before. */
    public TargetHealth target(Upstream upstream, Upstream.Target target) {
        String key = key(upstream.id(), target.url());
        return targets.computeIfAbsent(key, k -> {
            TargetHealth health = new TargetHealth(k);
            Runnable gauge = metrics.targetHealthy(upstream.id(), target.url(),
                    () -> health.eligible(System.nanoTime()));
            return new Entry(health, gauge);
        }).health;
    }

    /** The circuit of {@code upstream}: the running one while its config is unchanged. */
    public Circuit circuit(Upstream upstream) {
        Circuit circuit = circuits.compute(upstream.id(), (id, old) ->
                old != null && Objects.equals(old.config(), upstream.circuitBreaker())
                        ? old : Circuit.create(id, upstream.circuitBreaker()));
        circuitGauges.computeIfAbsent(upstream.id(), id -> metrics.circuitState(id, () -> {
            Circuit current = circuits.get(id);
            return current == null ? 0 : current.stateCode();
        }));
        return circuit;
    }

    /** After a swap: forgets what {@code upstreams} no longer has and reconciles the active checks. */
    public void published(List<Upstream> upstreams) {
        Set<String> liveUpstreams = new HashSet<>();
        Map<ActiveChecker.Key, ActiveChecker.Spec> wanted = new HashMap<>();
        Set<String> live = new HashSet<>();
        for (Upstream upstream : upstreams) {
            liveUpstreams.add(upstream.id());
            Upstream.HealthCheck check = upstream.healthCheck();
            for (Upstream.Target target : upstream.targets()) {
                String key = key(upstream.id(), target.url());
                live.add(key);
                TargetHealth health = target(upstream, target);
                if (check != null && check.active() != null) {
                    wanted.put(new ActiveChecker.Key(upstream.id(), target.url()),
                            new ActiveChecker.Spec(check.active(), upstream.tls(), health));
                } else {
                    health.activeChecksRemoved();
                }
                if (check == null || check.passive() == null) {
                    health.passiveChecksRemoved();
                }
            }
        }
        checker.reconcile(wanted, System.nanoTime());
        targets.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) {
                return false;
            }
            e.getValue().gauge.run();
            return true;
        });
        circuits.keySet().retainAll(liveUpstreams);
        circuitGauges.entrySet().removeIf(e -> {
            if (liveUpstreams.contains(e.getKey())) {
                return false;
            }
            e.getValue().run();
            return true;
        });
    }

    /** Active checks running now. */
    public int activeChecks() {
        return checker.size();
    }

    @Override
    public void close() {
        checker.close();
        targets.values().forEach(e -> e.gauge.run());
        targets.clear();
        circuitGauges.values().forEach(Runnable::run);
        circuitGauges.clear();
        circuits.clear();
    }

    private static String key(String upstreamId, String url) {
        return upstreamId + " " + url;
    }

    private record Entry(TargetHealth health, Runnable gauge) {
    }
}
