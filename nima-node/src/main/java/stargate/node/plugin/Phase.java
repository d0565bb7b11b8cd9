package stargate.node.plugin;

/**
 * Where a plugin runs in the chain. The order is fixed and is the enum's order (SPEC §6: auth, rate
 * limit, transform, proxy, response transform, logging), with one step in front of it:
 *
 * <pre>
 *   request  ─▶ EDGE ─▶ AUTH ─▶ RATE_LIMIT ─▶ TRANSFORM ─▶ PROXY ─▶ (upstream)
 *   response ◀─ every stage that ran, in the same order: ... RESPONSE_TRANSFORM ─▶ LOG ─▶ client
 * </pre>
 *
 * Within a phase, stages run in plugin-name order, so a chain is the same on every node.
 */
public enum Phase {
    /**
     * Before anyone is identified: cheap checks that need no credentials and answers browsers expect
     * without them ({@code request-id}, {@code ip-restriction}, {@code cors}, whose preflight carries no
     * credentials). Cannot be configured per consumer.
     */
    EDGE,
    /** Identifies the caller ({@code key-auth}, {@code jwt-auth}, ...). The only phase that may set the consumer. */
    AUTH,
    /** Limits on what an identified caller may send ({@code rate-limit}, {@code request-size-limit}). */
    RATE_LIMIT,
    /** Changes the request or where it goes ({@code request-transformer}, {@code traffic-split}). */
    TRANSFORM,
    /**
     * May answer instead of the upstream ({@code proxy-cache}). Such an answer stands in for the upstream's:
     * the later phases still run around it, and further PROXY plugins are skipped.
     */
    PROXY,
    /** Changes the response on its way back ({@code response-transformer}). */
    RESPONSE_TRANSFORM,
    /** Observes the finished exchange. */
    LOG;

    /** Whether plugins of this phase may be configured per consumer: only those that run after authentication. */
    public boolean afterAuth() {
        return compareTo(AUTH) > 0;
    }
}
