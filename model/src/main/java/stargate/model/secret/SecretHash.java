package stargate.model.secret;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The stored forms of consumers' secrets, written by the controller and read by the node.
 *
 * <ul>
 * <li>API key: {@code sha256:<64 lower-case hex>}, SHA-256 of the UTF-8 key, unsalted, so a node
 *     finds the consumer of a presented key with one hash and one map lookup (API keys are long
 *     random strings: a dictionary gains nothing).</li>
 * <li>Password: {@code pbkdf2-sha256:<iterations>:<salt b64>:<hash b64>} (PBKDF2-HMAC-SHA256, 16
 *     byte salt, 32 byte hash, standard base64), salted and slow because people pick passwords.</li>
 * </ul>
 *
 * A value not in its stored form is the plain secret (a standalone YAML file). A presented secret
 * is always hashed before comparing, so presenting a stored hash never authenticates.
 */
public final class SecretHash {
    public static final String API_KEY_PREFIX = "sha256:";
    public static final String PASSWORD_PREFIX = "pbkdf2-sha256:";
    /** Iterations of new password hashes; a stored hash carries its own count. */
    public static final int PBKDF2_ITERATIONS = 100_000;
    /**
     * The most iterations a stored hash may ask for: ten times today's count leaves room to raise
     * it, and keeps one check (which anyone can trigger with a wrong password) under a second.
     */
    public static final int MAX_PBKDF2_ITERATIONS = 1_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int DIGEST_HEX_LENGTH = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretHash() {
    }

    /** @return {@code sha256:<lower-case hex of SHA-256(UTF-8 key)>} */
    public static String hashApiKey(String key) {
        return API_KEY_PREFIX + HexFormat.of().formatHex(sha256(key));
    }

    /** @return whether {@code stored} is an API key's stored form ({@code sha256:} and 64 hex digits) */
    public static boolean isHashedApiKey(String stored) {
        return stored.length() == API_KEY_PREFIX.length() + DIGEST_HEX_LENGTH && stored.startsWith(API_KEY_PREFIX)
                && stored.substring(API_KEY_PREFIX.length()).chars().allMatch(HexFormat::isHexDigit);
    }

    /** @return the SHA-256 a stored key stands for: parsed from its stored form, else computed from the plain key */
    public static byte[] storedApiKeyDigest(String stored) {
        return isHashedApiKey(stored)
                ? HexFormat.of().parseHex(stored.substring(API_KEY_PREFIX.length()).toLowerCase(Locale.ROOT))
                : sha256(stored);
    }

    /** @return SHA-256 of the UTF-8 bytes of {@code text} */
    public static byte[] sha256(String text) {
        return newSha256().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return a fresh SHA-256 digest */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** @return {@code pbkdf2-sha256:<iterations>:<salt>:<hash>} of {@code password} with a fresh salt */
    public static String hashPassword(String password) {
        return hashPassword(password, PBKDF2_ITERATIONS);
    }

    /** {@link #hashPassword(String)} with another iteration count (tests use fewer, to run fast). */
    public static String hashPassword(String password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new HashedPassword(iterations, salt, pbkdf2(password, salt, iterations)).toString();
    }

    /** @return whether {@code stored} claims to be a password's stored form (it may still be malformed) */
    public static boolean isHashedPassword(String stored) {
        return stored.startsWith(PASSWORD_PREFIX);
    }

    /**
     * @return the hash in {@code stored}
     * @throws IllegalArgumentException when it is not a well-formed {@code pbkdf2-sha256:…} value (the message says why)
     */
    public static HashedPassword parsePassword(String stored) {
        String[] parts = stored.split(":", -1);
        if (parts.length != 4 || !isHashedPassword(stored)) {
            throw new IllegalArgumentException("expected pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            iterations = -1;
        }
        if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
            throw new IllegalArgumentException("pbkdf2-sha256 iterations must be between 1 and " + MAX_PBKDF2_ITERATIONS);
        }
        byte[] salt = base64(parts[2]);
        byte[] hash = base64(parts[3]);
        if (salt == null || salt.length == 0 || hash == null || hash.length != HASH_BYTES) {
            throw new IllegalArgumentException("pbkdf2-sha256 needs a salt and a " + HASH_BYTES + " byte hash, in standard base64");
        }
        return new HashedPassword(iterations, salt, hash);
    }

    /** @return the decoded bytes, null when {@code text} is not standard base64 */
    private static byte[] base64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return whether {@code password} is the one {@code stored} (a {@link #hashPassword} result) was made from; false for any other form */
    public static boolean passwordMatches(String password, String stored) {
        try {
            return isHashedPassword(stored) && parsePassword(stored).matches(password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A parsed {@code pbkdf2-sha256} password hash. */
    public record HashedPassword(int iterations, byte[] salt, byte[] hash) {
        /** PBKDF2 over {@code password} (slow by design), compared in constant time. */
        public boolean matches(String password) {
            return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations));
        }

        /** @return the stored form */
        @Override
        public String toString() {
            Base64.Encoder b64 = Base64.getEncoder();
            return PASSWORD_PREFIX + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(hash);
        }
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BYTES * 8);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has PBKDF2WithHmacSHA256", e);
        }
    }
}
