package stargate.controller.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.validate.ConfigError;

/**
 * Credentials at rest and on the way out.
 *
 * <p>At rest (formats in {@code docs/etcd-layout.md}): an API key is {@code sha256:<hex>} of the
 * key, unsalted so a node finds the consumer of a presented key with one hash and one map lookup
 * (API keys are long random strings, so a dictionary gains nothing); a basic-auth password is
 * {@code pbkdf2-sha256:<iterations>:<salt b64>:<hash b64>}, salted and slow because people pick
 * passwords. Certificate keys are stored as given: nodes need them to serve TLS.
 *
 * <p>On the way out every secret is {@link #MASK}. Sending the mask back on a write keeps the
 * stored secret, so a client can PUT what it GOT (and re-import an export) without knowing secrets.
 */
public final class Secrets {
    /** What the API shows instead of a secret; sent back, it means "keep the stored one". */
    public static final String MASK = "********";
    static final int PBKDF2_ITERATIONS = 100_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** @return {@code sha256:<lower-case hex of SHA-256(UTF-8 key)>} */
    public static String hashKey(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** @return {@code pbkdf2-sha256:<iterations>:<salt>:<hash>}, salt and hash in standard base64 */
    public static String hashPassword(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder();
        return "pbkdf2-sha256:" + PBKDF2_ITERATIONS + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(pbkdf2(password, salt, PBKDF2_ITERATIONS));
    }

    /** @return whether {@code password} is the one {@code stored} (a {@link #hashPassword} result) was made from */
    public static boolean passwordMatches(String password, String stored) {
        String[] parts = stored.split(":");
        if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
            return false;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] expected = b64.decode(parts[3]);
        return MessageDigest.isEqual(expected, pbkdf2(password, b64.decode(parts[2]), Integer.parseInt(parts[1])));
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has PBKDF2WithHmacSHA256", e);
        }
    }

    /**
     * Replaces masks in an incoming object by the secrets {@code previous} (storage form) holds.
     * The result is what validation sees: new secrets plain, kept ones as stored.
     *
     * @param path   the object's path, for errors ({@code ""} for a request body that is the object)
     * @param errors receives an error for a mask with no stored secret behind it
     */
    public static Object unmask(Object incoming, Object previous, String path, List<ConfigError> errors) {
        if (incoming instanceof Consumer c) {
            Consumer old = previous instanceof Consumer p ? p : null;
            Consumer.KeyAuth keyAuth = c.keyAuth();
            if (keyAuth != null && MASK.equals(keyAuth.key())) {
                keyAuth = kept(old == null || old.keyAuth() == null ? null : old.keyAuth(), path, "key_auth.key", errors);
            }
            Consumer.BasicAuth basic = c.basicAuth();
            if (basic != null && MASK.equals(basic.password())) {
                String stored = old == null || old.basicAuth() == null ? null : old.basicAuth().password();
                basic = stored == null ? kept(null, path, "basic_auth.password", errors)
                        : new Consumer.BasicAuth(basic.username(), stored);
            }
            return new Consumer(c.id(), keyAuth, basic, c.jwt(), c.plugins());
        }
        if (incoming instanceof Certificate c && MASK.equals(c.key())) {
            String stored = previous instanceof Certificate p ? p.key() : null;
            if (stored == null) {
                kept(null, path, "key", errors);
            }
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), stored, c.keyFile());
        }
        return incoming;
    }

    private static <T> T kept(T stored, String path, String field, List<ConfigError> errors) {
        if (stored == null) {
            errors.add(new ConfigError(path.isEmpty() ? field : path + "." + field,
                    "\"" + MASK + "\" keeps the stored secret, and there is none: send the secret itself"));
        }
        return stored;
    }

    /**
     * The storage form of an unmasked object: new API keys and passwords hashed, kept ones as they
     * were. A password equal to the stored one keeps the stored hash (same object, no new salt), so
     * re-applying the same config file changes nothing.
     */
    public static Object toStorage(Object unmasked, Object previous) {
        if (!(unmasked instanceof Consumer c)) {
            return unmasked;
        }
        Consumer old = previous instanceof Consumer p ? p : null;
        Consumer.KeyAuth keyAuth = c.keyAuth();
        if (keyAuth != null && keyAuth.key() != null
                && !(old != null && old.keyAuth() != null && keyAuth.key().equals(old.keyAuth().key()))) {
            keyAuth = new Consumer.KeyAuth(hashKey(keyAuth.key()));
        }
        Consumer.BasicAuth basic = c.basicAuth();
        if (basic != null && basic.password() != null) {
            String stored = old == null || old.basicAuth() == null ? null : old.basicAuth().password();
            boolean same = stored != null && (basic.password().equals(stored) || passwordMatches(basic.password(), stored));
            basic = new Consumer.BasicAuth(basic.username(), same ? stored : hashPassword(basic.password()));
        }
        return new Consumer(c.id(), keyAuth, basic, c.jwt(), c.plugins());
    }

    /** A stored object as the API shows it: every secret replaced by {@link #MASK}. */
    public static Object masked(Object stored) {
        if (stored instanceof Consumer c) {
            Consumer.KeyAuth keyAuth = c.keyAuth() == null ? null : new Consumer.KeyAuth(MASK);
            Consumer.BasicAuth basic = c.basicAuth() == null ? null : new Consumer.BasicAuth(c.basicAuth().username(), MASK);
            return new Consumer(c.id(), keyAuth, basic, c.jwt(), c.plugins());
        }
        if (stored instanceof Certificate c && c.key() != null) {
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), MASK, c.keyFile());
        }
        return stored;
    }
}
