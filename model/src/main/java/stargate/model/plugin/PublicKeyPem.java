package stargate.model.plugin;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a PEM public key against the algorithms that will use it, offline: the PEM shape, the
 * DER inside (decoded by the JDK's own key factories), the key type (RSA for RS256, EC for ES256)
 * and its strength. A key that cannot verify a listed algorithm fails at config time, not on the
 * first request.
 */
final class PublicKeyPem {
    static final int MIN_RSA_BITS = 2048;
    private static final Pattern PEM = Pattern.compile(
            "\\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----\\s*");
    /** The order of the NIST P-256 group: identifies the curve whatever name a provider gives it. */
    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private PublicKeyPem() {
    }

    static void check(ConfigProblems problems, String key, String pem, List<String> algorithms) {
        if (pem.contains("-----BEGIN RSA PUBLIC KEY-----")) {
            problems.add(key, "expected a SubjectPublicKeyInfo key (-----BEGIN PUBLIC KEY-----); convert this PKCS#1 key with:"
                    + " openssl rsa -RSAPublicKey_in -pubout");
            return;
        }
        if (pem.contains("-----BEGIN CERTIFICATE-----")) {
            problems.add(key, "expected a public key, not a certificate; extract it with: openssl x509 -pubkey -noout");
            return;
        }
        Matcher m = PEM.matcher(pem);
        if (!m.matches()) {
            problems.add(key, "expected a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)");
            return;
        }
        PublicKey publicKey = decode(m.group(1));
        if (publicKey == null) {
            problems.add(key, "the PEM body is not an RSA or EC public key");
            return;
        }
        for (String alg : algorithms) {
            String problem = alg.equals("RS256") ? rsaProblem(publicKey) : p256Problem(publicKey);
            if (problem != null) {
                problems.add(key, problem);
            }
        }
    }

    private static PublicKey decode(String base64) {
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this type: try the next
            }
        }
        return null;
    }

    private static String rsaProblem(PublicKey key) {
        if (!(key instanceof RSAPublicKey rsa)) {
            return "is an EC key, but RS256 needs an RSA key";
        }
        int bits = rsa.getModulus().bitLength();
        return bits < MIN_RSA_BITS ? "an RSA key of " + bits + " bits is too weak: at least " + MIN_RSA_BITS : null;
    }

    private static String p256Problem(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) {
            return "is an RSA key, but ES256 needs an EC P-256 key";
        }
        return ec.getParams().getOrder().equals(P256_ORDER) ? null : "ES256 needs a key on curve P-256";
    }
}
