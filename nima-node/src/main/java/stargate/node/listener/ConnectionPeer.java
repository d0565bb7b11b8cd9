package stargate.node.listener;

import io.helidon.common.socket.PeerInfo;
import java.net.SocketAddress;
import java.security.Principal;
import java.security.cert.Certificate;
import java.util.Optional;

/**
 * A client connection's peer with its TLS identity read once: Helidon asks for the peer's certificates on
 * every HTTP/1 request, and a TLS session without them answers by throwing (an exception built per request,
 * ~2% of a request's CPU). A connection's certificates cannot change: client-initiated renegotiation is
 * refused (docs/architecture.md, TLS termination).
 */
final class ConnectionPeer implements PeerInfo {
    private final PeerInfo peer;
    private volatile Optional<Certificate[]> certificates;
    private volatile Optional<Principal> principal;

    ConnectionPeer(PeerInfo peer) {
        this.peer = peer;
    }

    @Override
    public SocketAddress address() {
        return peer.address();
    }

    @Override
    public String host() {
        return peer.host();
    }

    @Override
    public int port() {
        return peer.port();
    }

    @Override
    public Optional<Principal> tlsPrincipal() {
        Optional<Principal> known = principal;
        if (known == null) {
            known = peer.tlsPrincipal();
            principal = known;
        }
        return known;
    }

    @Override
    public Optional<Certificate[]> tlsCertificates() {
        Optional<Certificate[]> known = certificates;
        if (known == null) {
            known = peer.tlsCertificates();
            certificates = known;
        }
        return known.map(Certificate[]::clone);
    }
}
