package stargate.controller.auth;

import java.util.Locale;

/** What a caller may do: a viewer reads, an admin reads and writes. */
public enum Role {
    VIEWER, ADMIN;

    /** @return the role of a name ({@code admin}, {@code viewer}), or null for any other */
    static Role named(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "admin" -> ADMIN;
            case "viewer" -> VIEWER;
            default -> null;
        };
    }

    boolean allows(Role needed) {
        return this == ADMIN || needed == VIEWER;
    }
}
