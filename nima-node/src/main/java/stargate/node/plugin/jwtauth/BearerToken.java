package stargate.node.plugin.jwtauth;

import stargate.node.plugin.Verdict;

/**
 * RFC 6750 for the bearer-token auth plugins ({@code jwt-auth}, {@code oauth2-introspection}): the
 * token in {@code Authorization: Bearer}, and the 401 answers with their {@code WWW-Authenticate}
 * challenge.
 */
public final class BearerToken {
    private static final String REALM = "Bearer realm=\"stargate\"";

    private BearerToken() {
    }

    /** The token of {@code Bearer <token>} (scheme case-insensitive, RFC 6750 §2.1), or null. */
    public static String of(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    /** 401 for a request without a token: the bare challenge, no error code (RFC 6750 §3.1). */
    public static Verdict missing() {
        return Verdict.reject(401, "unauthorized", "no bearer token").header("WWW-Authenticate", REALM);
    }

    /** 401 {@code invalid_token}; {@code message} must not contain the token or a double quote. */
    public static Verdict invalid(String message) {
        return Verdict.reject(401, "unauthorized", message).header("WWW-Authenticate",
                REALM + ", error=\"invalid_token\", error_description=\"" + message + "\"");
    }
}
