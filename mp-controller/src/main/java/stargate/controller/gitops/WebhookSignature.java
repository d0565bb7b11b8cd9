package stargate.controller.gitops;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub-style webhook signatures: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
 * body, keyed with the shared secret>}. The comparison is constant-time ({@link MessageDigest#isEqual})
 * so response timing leaks nothing about the expected signature.
 */
final class WebhookSignature {
    static final String HEADER = "X-Hub-Signature-256";
    private static final String PREFIX = "sha256=";

    private WebhookSignature() {
    }

    /** @return the header value for {@code body} signed with {@code secret} */
    static String sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** @param header the received header; null or malformed never verifies */
    static boolean verify(byte[] secret, byte[] body, String header) {
        if (header == null || !header.startsWith(PREFIX) || secret.length == 0) {
            return false;
        }
        byte[] expected = sign(secret, body).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] given = header.trim().toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }
}
