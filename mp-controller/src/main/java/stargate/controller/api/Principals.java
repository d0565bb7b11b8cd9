package stargate.controller.api;

import jakarta.ws.rs.core.SecurityContext;

/** Who made a request, as recorded in {@code updated_by}. */
final class Principals {
    static final String ANONYMOUS = "anonymous";

    private Principals() {
    }

    static String name(SecurityContext security) {
        return security == null || security.getUserPrincipal() == null ? ANONYMOUS : security.getUserPrincipal().getName();
    }
}
