package stargate.node.health;

/**
 * The health of one target as balancers see it. Until active and passive checks exist every
 * target is eligible; the checks will flip this state.
 */
public final class TargetHealth {
    private volatile boolean healthy = true;

    public boolean eligible() {
        return healthy;
    }

    public void markHealthy(boolean healthy) {
        this.healthy = healthy;
    }
}
