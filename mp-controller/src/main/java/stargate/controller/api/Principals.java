package stargate.controller.api;

import io.helidon.webserver.http.ServerRequest;
import jakarta.ws.rs.core.SecurityContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import stargate.controller.audit.Actor;

/** Who made a request, as recorded in {@code updated_by}, and where it came from, as the audit log records it. */
final class Principals {
    static final String ANONYMOUS = "anonymous";

    private Principals() {
    }

    static String name(SecurityContext security) {
        return security == null || security.getUserPrincipal() == null ? ANONYMOUS : security.getUserPrincipal().getName();
    }

    /** The author of an API write: the principal and the client's address (the peer's, not a forwarded one). */
    static Actor actor(SecurityContext security, ServerRequest request) {
        return Actor.api(name(security), address(request));
    }

    static String address(ServerRequest request) {
        if (request == null) {
            return "unknown";
        }
        SocketAddress peer = request.remotePeer().address();
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }
}
