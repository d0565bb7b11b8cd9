package stargate.node.proxy;

import java.net.InetAddress;

/**
 * Who sent a request (SPEC §13): the TCP peer, and the client it stands for. The two differ only when
 * the peer is a trusted proxy ({@link TrustedProxies}); then {@code client} comes from its
 * {@code X-Forwarded-For}. Every decision about "the client" (ip-restriction, {@code key: ip},
 * ip-hash, the access log) reads {@link #client()}; only the forwarding headers read the peer.
 *
 * @param peer        the address of the TCP peer; null only for a non-IP transport
 * @param client      the client address the gateway acts on
 * @param trustedPeer whether the peer is a trusted proxy, whose forwarding headers are kept and extended
 */
public record ClientAddress(InetAddress peer, InetAddress client, boolean trustedPeer) {
    /** The client address as text ({@code 203.0.113.7}, {@code 2001:db8::1}), {@code unknown} without one. */
    public String clientIp() {
        return ip(client);
    }

    /** The peer address as text, as appended to {@code X-Forwarded-For}. */
    public String peerIp() {
        return ip(peer);
    }

    private static String ip(InetAddress address) {
        return address == null ? "unknown" : address.getHostAddress();
    }
}
