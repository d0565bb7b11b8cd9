package stargate.controller.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Verifies bearer JWTs (RFC 7519) signed with one public key: RS256 for an RSA key, ES256 for a
 * P-256 key (signature as JOSE's raw r||s). Checks the signature first, then {@code iss} (must be
 * the configured issuer), {@code exp} (required) and {@code nbf}, with {@link #SKEW} of clock
 * skew. The caller's name is {@code upn}, else {@code preferred_username}, else {@code sub} (as
 * MicroProfile JWT reads it); its role comes from the {@code groups} claim (admin over viewer).
 */
final class JwtVerifier {
    /** Clock difference tolerated between the token issuer and this controller. */
    static final Duration SKEW = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why a token was refused, in words safe to answer to the caller. */
    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private final String issuer;
    private final PublicKey key;
    private final String algorithm;
    private final Clock clock;

    private JwtVerifier(String issuer, PublicKey key, Clock clock) {
        this.issuer = issuer;
        this.key = key;
        this.algorithm = key instanceof RSAPublicKey ? "RS256" : "ES256";
        this.clock = clock;
    }

    /** @param pemFile an X.509 {@code -----BEGIN PUBLIC KEY-----} PEM, RSA or EC P-256 */
    static JwtVerifier create(String issuer, Path pemFile, Clock clock) {
        try {
            String pem = Files.readString(pemFile);
            String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
            X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(base64));
            PublicKey key;
            try {
                key = KeyFactory.getInstance("RSA").generatePublic(spec);
            } catch (GeneralSecurityException notRsa) {
                key = KeyFactory.getInstance("EC").generatePublic(spec);
            }
            if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException(pemFile + ": an EC key must be on P-256 (ES256)");
            }
            return new JwtVerifier(issuer, key, clock);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the JWT public key " + pemFile + ": " + e.getMessage(), e);
        }
    }

    Caller verify(String token) throws Rejected {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new Rejected("not a signed JWT");
        }
        JsonNode header = decode(parts[0]);
        if (!algorithm.equals(header.path("alg").asText())) {
            throw new Rejected("the token must be signed with " + algorithm);
        }
        if (!signatureValid(parts)) {
            throw new Rejected("bad signature");
        }
        JsonNode claims = decode(parts[1]);
        if (!issuer.equals(claims.path("iss").asText())) {
            throw new Rejected("wrong issuer");
        }
        Instant now = clock.instant();
        if (!claims.path("exp").canConvertToLong() || now.minus(SKEW).getEpochSecond() >= claims.get("exp").asLong()) {
            throw new Rejected("expired (or no exp)");
        }
        if (claims.path("nbf").canConvertToLong() && now.plus(SKEW).getEpochSecond() < claims.get("nbf").asLong()) {
            throw new Rejected("not valid yet");
        }
        String name = first(claims, "upn", "preferred_username", "sub");
        Role role = null;
        for (JsonNode group : claims.path("groups")) {
            Role r = Role.named(group.asText());
            if (r == Role.ADMIN || (r == Role.VIEWER && role == null)) {
                role = r;
            }
        }
        return new Caller(name == null ? "jwt" : name, role);
    }

    private boolean signatureValid(String[] parts) throws Rejected {
        try {
            Signature signature = Signature.getInstance(key instanceof RSAPublicKey ? "SHA256withRSA"
                    : "SHA256withECDSAinP1363Format");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new Rejected("bad signature");
        }
    }

    private static JsonNode decode(String part) throws Rejected {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(part));
        } catch (IOException | IllegalArgumentException e) {
            throw new Rejected("not a JWT");
        }
    }

    private static String first(JsonNode claims, String... names) {
        for (String name : names) {
            if (claims.path(name).isTextual()) {
                return claims.get(name).asText();
            }
        }
        return null;
    }
}
