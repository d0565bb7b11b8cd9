package stargate.model;

/** Balancing algorithms, by their config name. */
public enum BalancerKind implements WireName {
    ROUND_ROBIN("round-robin"),
    WEIGHTED("weighted"),
    IP_HASH("ip-hash"),
    LEAST_CONNECTIONS("least-connections"),
    CONSISTENT_HASH("consistent-hash");

    private final String wire;

    BalancerKind(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
