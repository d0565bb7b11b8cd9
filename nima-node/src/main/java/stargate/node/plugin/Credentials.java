package stargate.node.plugin;

import java.util.List;

import stargate.model.Consumer;

/**
 * How auth plugins find the consumer behind a credential, in the config being served. Built once
 * per config snapshot ({@link #of}). Secrets come plain from a standalone YAML file, or in the
 * hashed forms the controller writes to etcd ({@link stargate.model.secret.SecretHash}); presented
 * secrets are hashed and compared in constant time, so neither a stored hash nor response timing
 * reveals (or is) a valid secret.
 */
public interface Credentials {
    /** The consumer with this id, or null. */
    Consumer consumer(String id);

    /** The consumer whose {@code key_auth.key} is {@code presentedKey}, or null. */
    Consumer byApiKey(String presentedKey);

    /**
     * The consumer whose {@code basic_auth} matches, or null (unknown user and wrong password take the same time).
     *
     * @throws PasswordChecksBusyException when a slow (PBKDF2) check could not get its turn in time
     */
    Consumer byPassword(String username, String password);

    /**
     * The consumer whose {@code jwt} claims match a verified token: same issuer, the consumer's
     * audience among the token's (when the consumer names one), the same subject (when it names one).
     * A consumer naming a subject wins over one that does not; null when none matches.
     */
    Consumer byToken(String issuer, List<String> audiences, String subject);

    /**
     * Whether some consumer's {@code jwt} identity names this issuer: then a verified token of that
     * issuer must match a consumer ({@link #byToken}) to be accepted (the token auth plugins' rule).
     */
    boolean mapsIssuer(String issuer);

    static Credentials of(List<Consumer> consumers) {
        return ConsumerDirectory.compile(consumers);
    }
}
