package stargate.node.plugin.jwtauth;

import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import stargate.model.Consumer;
import stargate.model.plugin.JwtAuthConfig;
import stargate.node.plugin.Credentials;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * Verifies the JWT in {@code Authorization: Bearer}, in this order, each failure a 401 (RFC 6750:
 * {@code WWW-Authenticate: Bearer ... error="invalid_token"}; none when there is no token at all):
 * <ol>
 *   <li>a compact JWS (three parts); {@code alg: none} and encrypted tokens are not JWS and fail here;</li>
 *   <li>its {@code alg} is one of {@code algorithms}: the token never picks the algorithm;</li>
 *   <li>the signature, with a key of that algorithm's family only ({@link VerificationKeys});</li>
 *   <li>{@code exp} and {@code nbf} when present, with {@code clock_skew}; {@code iss} and {@code aud}
 *       when configured;</li>
 *   <li>the consumer: {@link Credentials#byToken}; a token whose issuer some consumer maps but none
 *       matches is refused; a token of an issuer no consumer maps passes, authenticated without a
 *       consumer (the route's key vouches for it).</li>
 * </ol>
 * Then each {@code claims_to_headers} header is removed from the request (a client cannot send its
 * own) and set from the claim when the claim is present and printable.
 */
final class JwtAuthPlugin implements Plugin {
    private final JwtAuthConfig config;
    private final Set<JWSAlgorithm> algorithms;
    private final VerificationKeys keys;
    private final InstantSource clock;

    JwtAuthPlugin(JwtAuthConfig config, VerificationKeys keys, InstantSource clock) {
        this.config = config;
        this.algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        String token = BearerToken.of(exchange.request().header("Authorization"));
        if (token == null) {
            return BearerToken.missing();
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return invalid("not a signed JWT");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!algorithms.contains(alg)) {
            return invalid("token algorithm not accepted");     // not echoed: the header is the client's text
        }
        List<JWSVerifier> verifiers;
        try {
            verifiers = keys.verifiers(jwt.getHeader());
        } catch (VerificationKeys.KeysUnavailableException e) {
            return Verdict.reject(503, "keys_unavailable", "token keys are not available: " + e.getMessage());
        }
        if (verifiers.isEmpty()) {
            return invalid("no key for this token");
        }
        if (!verified(jwt, verifiers)) {
            return invalid("invalid signature");
        }
        String problem = claimsProblem(claims);
        if (problem != null) {
            return invalid(problem);
        }
        Credentials credentials = exchange.credentials();
        Consumer consumer = credentials.byToken(claims.getIssuer(), claims.getAudience(), claims.getSubject());
        if (consumer != null) {
            exchange.authenticate(consumer);
        } else if (claims.getIssuer() != null && credentials.mapsIssuer(claims.getIssuer())) {
            return invalid("token matches no consumer");
        }
        for (Map.Entry<String, String> mapping : config.claimsToHeaders().entrySet()) {
            exchange.removeRequestHeader(mapping.getValue());
            String value = headerValue(claims.getClaim(mapping.getKey()));
            if (value != null) {
                exchange.addRequestHeader(mapping.getValue(), value);
            }
        }
        return Verdict.PASS;
    }

    private static boolean verified(SignedJWT jwt, List<JWSVerifier> verifiers) {
        for (JWSVerifier verifier : verifiers) {
            try {
                if (jwt.verify(verifier)) {
                    return true;
                }
            } catch (JOSEException | IllegalStateException e) {
                // this key cannot verify this token: try the next
            }
        }
        return false;
    }

    /** What is wrong with verified claims, or null. */
    private String claimsProblem(JWTClaimsSet claims) {
        Instant now = clock.instant();
        long skew = config.clockSkew().toMillis();
        Date exp = claims.getExpirationTime();
        if (exp != null && now.toEpochMilli() > exp.getTime() + skew) {
            return "token expired";
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.toEpochMilli() + skew < nbf.getTime()) {
            return "token not yet valid";
        }
        if (config.issuer() != null && !config.issuer().equals(claims.getIssuer())) {
            return "token issuer not accepted";
        }
        if (config.audience() != null && !claims.getAudience().contains(config.audience())) {
            return "token audience not accepted";
        }
        return null;
    }

    /**
     * A claim as a header value: text, numbers and booleans as they are, dates in epoch seconds, arrays
     * of those joined with {@code ", "}; null (no header) for objects, or for text that is not printable
     * ASCII (a header value cannot carry it safely).
     */
    static String headerValue(Object claim) {
        String text = switch (claim) {
            case null -> null;
            case String s -> s;
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case Date d -> Long.toString(d.getTime() / 1000);
            case List<?> list -> list.stream().allMatch(e -> e instanceof String || e instanceof Number || e instanceof Boolean)
                    ? list.stream().map(String::valueOf).collect(Collectors.joining(", ")) : null;
            default -> null;
        };
        if (text == null) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return null;
            }
        }
        return text;
    }

    private static Verdict invalid(String message) {
        return BearerToken.invalid(message);
    }
}
