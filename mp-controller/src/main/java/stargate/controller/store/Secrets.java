package stargate.controller.store;

import java.util.List;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.secret.SecretHash;
import stargate.model.validate.ConfigError;

/**
 * Credentials at rest and on the way out.
 *
 * <p>At rest: API keys and basic-auth passwords in the hashed forms of {@link SecretHash} (shared
 * with the node, which verifies against them). Certificate keys are stored as given: nodes need
 * them to serve TLS.
 *
 * <p>On the way out every secret is {@link #MASK}. Sending the mask back on a write keeps the
 * stored secret, so a client can PUT what it GOT (and re-import an export) without knowing secrets.
 */
public final class Secrets {
    /** What the API shows instead of a secret; sent back, it means "keep the stored one". */
    public static final String MASK = "********";

    private Secrets() {
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
        if (incoming instanceof Certificate c && (MASK.equals(c.key()) || MASK.equals(c.ecdsaKey()))) {
            Certificate old = previous instanceof Certificate p ? p : null;
            String key = c.key();
            if (MASK.equals(key)) {
                key = kept(old == null ? null : old.key(), path, "key", errors);
            }
            String ecdsaKey = c.ecdsaKey();
            if (MASK.equals(ecdsaKey)) {
                ecdsaKey = kept(old == null ? null : old.ecdsaKey(), path, "ecdsa_key", errors);
            }
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), key, c.keyFile(),
                    c.ecdsaCert(), c.ecdsaCertFile(), ecdsaKey, c.ecdsaKeyFile());
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
            keyAuth = new Consumer.KeyAuth(SecretHash.hashApiKey(keyAuth.key()));
        }
        Consumer.BasicAuth basic = c.basicAuth();
        if (basic != null && basic.password() != null) {
            String stored = old == null || old.basicAuth() == null ? null : old.basicAuth().password();
            boolean same = stored != null && (basic.password().equals(stored) || SecretHash.passwordMatches(basic.password(), stored));
            basic = new Consumer.BasicAuth(basic.username(), same ? stored : SecretHash.hashPassword(basic.password()));
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
        if (stored instanceof Certificate c && (c.key() != null || c.ecdsaKey() != null)) {
            return new Certificate(c.id(), c.snis(), c.cert(), c.certFile(), c.key() == null ? null : MASK, c.keyFile(),
                    c.ecdsaCert(), c.ecdsaCertFile(), c.ecdsaKey() == null ? null : MASK, c.ecdsaKeyFile());
        }
        return stored;
    }
}
