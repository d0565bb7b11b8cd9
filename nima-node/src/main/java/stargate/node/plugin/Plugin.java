package stargate.node.plugin;

/**
 * One plugin instance: what runs on the request path. Both methods pass through by default, so a
 * plugin overrides only the phase it needs.
 *
 * <p><b>Instances are config-time objects.</b> One is created per plugin config by its
 * {@link PluginFactory} when a config snapshot is compiled, and shared by every request (and
 * every virtual thread) on the routes it is configured for: it must be thread-safe and hold no
 * per-request state (keep that in {@link Exchange#attribute}). An instance must depend on its own
 * config only: consumers, upstreams and everything else of the snapshot are read through the
 * {@link Exchange}. That is what lets the node keep an instance, and its state (a rate limiter's
 * buckets, a JWKS cache), across config changes that leave its config unchanged.
 *
 * <p><b>Contract</b>, enforced by the chain, which names the plugin in every error: {@link #onRequest}
 * returns a {@link Verdict}, never null; only an {@link Phase#AUTH} plugin may set the consumer; headers
 * the proxy owns ({@code Host}, {@code Content-Length}, hop-by-hop) cannot be edited. A plugin that
 * throws in the request phase fails the exchange closed (500 {@code plugin_failed}); one that throws in
 * the response phase is logged and skipped (the upstream's answer is already on its way).
 */
public interface Plugin {
    /**
     * The request phase: inspect or change the request, or answer it.
     *
     * @return {@link Verdict#PASS} to continue, or a verdict that answers the request (the rest of
     *         the request phase and the upstream are skipped)
     */
    default Verdict onRequest(Exchange exchange) {
        return Verdict.PASS;
    }

    /**
     * The response phase: runs for every plugin whose {@link #onRequest} ran, in phase order, on the
     * upstream's response or on a plugin's answer, before the response head is sent. The body is not
     * available here.
     */
    default void onResponse(Exchange exchange, Response response) {
    }
}
