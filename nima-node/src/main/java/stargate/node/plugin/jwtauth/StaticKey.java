package stargate.node.plugin.jwtauth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;

import stargate.model.plugin.JwtAuthConfig;

/**
 * The one key of a config: the HMAC {@code secret}, or the PEM {@code public_key}. Its verifier is
 * built once; it is offered only for the algorithms of its own family, so an HS256 token is never
 * checked against a public key taken as an HMAC secret (algorithm confusion).
 */
final class StaticKey implements VerificationKeys {
    private final List<JWSVerifier> verifier;

    private StaticKey(JWSVerifier verifier) {
        this.verifier = List.of(verifier);
    }

    /** For a config the model validated: a secret for HS*, else a PEM key (RSA for RS256, EC P-256 for ES256). */
    static StaticKey of(JwtAuthConfig config) {
        try {
            if (config.secret() != null) {
                return new StaticKey(new MACVerifier(config.secret().getBytes(StandardCharsets.UTF_8)));
            }
            PublicKey key = decodePem(config.publicKey());
            return new StaticKey(key instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa)
                    : new ECDSAVerifier((ECPublicKey) key));
        } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("jwt-auth: unusable key: " + e.getMessage(), e);
        }
    }

    @Override
    public List<JWSVerifier> verifiers(JWSHeader header) {
        return verifier.get(0).supportedJWSAlgorithms().contains(header.getAlgorithm()) ? verifier : List.of();
    }

    /** A {@code -----BEGIN PUBLIC KEY-----} (SubjectPublicKeyInfo) PEM: RSA or EC. */
    private static PublicKey decodePem(String pem) throws GeneralSecurityException {
        String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "");
        X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getMimeDecoder().decode(base64.strip()));
        try {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
        } catch (GeneralSecurityException notRsa) {
            return KeyFactory.getInstance("EC").generatePublic(spec);
        }
    }
}
