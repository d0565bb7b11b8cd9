package stargate.node.health;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import stargate.model.Upstream;

/**
 * The health of one target of one upstream, as balancers see it: eligible unless the active checks found
 * it unhealthy or the passive checks ejected it. Kept across config changes while the target stays.
 *
 * <p>Active state: a target starts <em>healthy</em> (a new or reloaded target takes traffic at once; a
 * bad one is caught by retries, passive ejection and {@code unhealthy} failed probes). It turns unhealthy
 * after {@code unhealthy} failed probes in a row, and healthy again after {@code healthy} good ones in a
 * row; turning healthy also lifts a passive ejection, since a probe just showed the target answers.
 *
 * <p>Passive state: {@code failures} failed exchanges in a row eject the target for {@code ejection}.
 * When the ejection ends the target is simply eligible again, but on probation: its failure count stays
 * one short of the limit, so its first failure ejects it again and its first success clears the count.
 * A recovered target thus gets traffic at once, a still-broken one costs one request per ejection period.
 *
 * <p>Reads on the request path ({@link #eligible}) are two volatile reads; recording a passive result is
 * one atomic operation unless it ejects. Time is passed in ({@code System.nanoTime()} values).
 */
public final class TargetHealth {
    private static final Logger LOG = Logger.getLogger(TargetHealth.class.getName());

    /**
     * What an active probe found.
     *
     * @param success whether the target passed
     * @param detail  what was seen: {@code status 200}, {@code connected}, {@code Connection refused}...
     * @param at      when the probe ended
     */
    public record CheckResult(boolean success, String detail, Instant at) {
    }

    private final String name;

    private volatile boolean activeHealthy = true;
    /** Consecutive probe results: positive successes, negative failures. Guarded by this. */
    private int streak;
    private volatile CheckResult lastCheck;

    private final AtomicInteger passiveFailures = new AtomicInteger();
    /** Written before {@link #ejected}, so a reader that sees the flag sees its deadline. */
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;

    /** @param name {@code upstream target-url}, for logs */
    public TargetHealth(String name) {
        this.name = name;
    }

    /** Whether a balancer may pick this target at {@code nowNanos}. */
    public boolean eligible(long nowNanos) {
        return activeHealthy && !ejected(nowNanos);
    }

    /** Whether the active checks consider it healthy (true when there are none). */
    public boolean activeHealthy() {
        return activeHealthy;
    }

    /** Whether a passive ejection is running at {@code nowNanos}. */
    public boolean ejected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }

    /** The last active probe's result; null before the first or without active checks. */
    public CheckResult lastCheck() {
        return lastCheck;
    }

    /** Counts an active probe's result against the check's thresholds. */
    public synchronized void recordProbe(CheckResult result, Upstream.ActiveCheck check) {
        lastCheck = result;
        if (result.success()) {
            streak = Math.max(streak, 0) + 1;
            if (!activeHealthy && streak >= check.healthy()) {
                activeHealthy = true;
                ejected = false;
                passiveFailures.set(0);
                LOG.info(() -> "event=target_healthy target=\"" + name + "\" check=\"" + result.detail() + "\"");
            }
        } else {
            streak = Math.min(streak, 0) - 1;
            if (activeHealthy && -streak >= check.unhealthy()) {
                activeHealthy = false;
                LOG.warning(() -> "event=target_unhealthy target=\"" + name + "\" check=\"" + result.detail() + "\"");
            }
        }
    }

    /** Active checks were turned off: back to healthy, history forgotten. */
    public synchronized void activeChecksRemoved() {
        activeHealthy = true;
        streak = 0;
        lastCheck = null;
    }

    /**
     * Counts one proxied exchange.
     *
     * @param failed whether it failed in the passive check's terms (see {@link PassivePolicy#failedStatus} and {@link PassivePolicy#failedExchange})
     */
    public void recordExchange(boolean failed, PassivePolicy policy, long nowNanos) {
        if (!failed) {
            if (passiveFailures.get() != 0) {
                passiveFailures.set(0);
            }
            return;
        }
        if (passiveFailures.incrementAndGet() >= policy.failures()) {
            passiveFailures.set(policy.failures() - 1);          // probation once the ejection ends
            ejectedUntilNanos = nowNanos + policy.ejectionNanos();
            boolean wasEjected = ejected(nowNanos);
            ejected = true;
            if (!wasEjected) {
                LOG.warning(() -> "event=target_ejected target=\"" + name + "\" failures=" + policy.failures()
                        + " ejection_ms=" + policy.ejectionNanos() / 1_000_000);
            }
        }
    }

    /** Passive checks were turned off: any ejection ends now. */
    public void passiveChecksRemoved() {
        ejected = false;
        passiveFailures.set(0);
    }
}
