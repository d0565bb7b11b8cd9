package stargate.node.health;

import java.util.BitSet;

import stargate.model.Upstream;

/**
 * An upstream's {@code health_check.passive}, compiled once per config: which exchange outcomes count
 * against a target, how many in a row eject it and for how long.
 *
 * <p>A failure is a proxied response with a listed status, a connect failure, or a failure the gateway
 * answers itself with a listed status (a timeout is 504, a reset or malformed response 502). A saturated
 * connection pool ({@code upstream_busy}) never counts: it is the gateway's own limit, not the target's fault.
 */
public final class PassivePolicy {
    private final BitSet statuses;
    private final int failures;
    private final long ejectionNanos;

    private PassivePolicy(BitSet statuses, int failures, long ejectionNanos) {
        this.statuses = statuses;
        this.failures = failures;
        this.ejectionNanos = ejectionNanos;
    }

    /** @return the compiled policy, or null when the upstream has no passive check */
    public static PassivePolicy of(Upstream.HealthCheck healthCheck) {
        if (healthCheck == null || healthCheck.passive() == null) {
            return null;
        }
        Upstream.PassiveCheck passive = healthCheck.passive();
        BitSet statuses = new BitSet(600);
        passive.statuses().forEach(statuses::set);
        return new PassivePolicy(statuses, Math.max(1, passive.failures()), passive.ejection().toNanos());
    }

    /** @return failures in a row that eject */
    public int failures() {
        return failures;
    }

    /** @return how long an ejection lasts */
    public long ejectionNanos() {
        return ejectionNanos;
    }

    /** Whether an upstream response with {@code status} counts as a failure. */
    public boolean failedStatus(int status) {
        return statuses.get(status);
    }

    /**
     * Whether an exchange that failed before a response counts.
     *
     * @param gatewayStatus the status the gateway answers for it
     * @param connectFailed whether the target could not be reached at all
     * @param poolExhausted whether the gateway's own pool limit stopped it
     */
    public boolean failedExchange(int gatewayStatus, boolean connectFailed, boolean poolExhausted) {
        return !poolExhausted && (connectFailed || statuses.get(gatewayStatus));
    }
}
