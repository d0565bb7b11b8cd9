package stargate.node.plugin.basicauth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import stargate.model.Consumer;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.PasswordChecksBusyException;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * RFC 7617: {@code Authorization: Basic base64(user:password)}, split at the first colon (user
 * names cannot contain one). Anything else, including bad base64, is a 401 with a
 * {@code WWW-Authenticate} challenge. The header is forwarded unchanged. A password whose PBKDF2
 * check cannot run now (too many at once) is a 503 with {@code Retry-After}: the client is not
 * told its password is wrong when it was never checked.
 */
final class BasicAuthPlugin implements Plugin {
    private static final String SCHEME = "basic ";

    @Override
    public Verdict onRequest(Exchange exchange) {
        String authorization = exchange.request().header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return unauthorized("no basic credentials");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(SCHEME.length()).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return unauthorized("malformed basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return unauthorized("malformed basic credentials");
        }
        Consumer consumer;
        try {
            consumer = exchange.credentials().byPassword(decoded.substring(0, colon), decoded.substring(colon + 1));
        } catch (PasswordChecksBusyException e) {
            return Verdict.reject(503, "auth_busy", "too many password checks at once; retry shortly")
                    .header("Retry-After", "1");
        }
        if (consumer == null) {
            return unauthorized("invalid user name or password");
        }
        exchange.authenticate(consumer);
        return Verdict.PASS;
    }

    private static Verdict unauthorized(String message) {
        return Verdict.reject(401, "unauthorized", message)
                .header("WWW-Authenticate", "Basic realm=\"stargate\", charset=\"UTF-8\"");
    }
}
