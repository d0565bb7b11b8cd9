package stargate.node.listener;

import java.time.Duration;

/**
 * How much a client may take of the node (SPEC §14): {@code --client-header-timeout},
 * {@code --client-body-timeout}, {@code --client-send-timeout}, {@code --max-connections},
 * {@code --max-connections-per-ip}.
 *
 * @param headerTimeout       the whole request head must arrive within this, from its first byte
 * @param bodyTimeout         the longest pause between two reads of a request body
 * @param sendTimeout         the longest one write to the client may wait for it to read (nginx's {@code send_timeout})
 * @param maxConnections      open client connections at most, node-wide
 * @param maxConnectionsPerIp open client connections at most from one client address (the peer, not
 *                            {@code X-Forwarded-For}: a connection is counted before any header is read)
 */
public record ClientLimits(Duration headerTimeout, Duration bodyTimeout, Duration sendTimeout, int maxConnections,
                           int maxConnectionsPerIp) {
    public static final ClientLimits DEFAULT = new ClientLimits(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), 20_000, 1_000);

    public ClientLimits {
        if (!positive(headerTimeout) || !positive(bodyTimeout) || !positive(sendTimeout)) {
            throw new IllegalArgumentException("--client-header-timeout, --client-body-timeout and --client-send-timeout "
                    + "must be positive");
        }
        if (maxConnections < 1 || maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("--max-connections and --max-connections-per-ip must be at least 1");
        }
    }

    private static boolean positive(Duration timeout) {
        return !timeout.isNegative() && !timeout.isZero();
    }
}
