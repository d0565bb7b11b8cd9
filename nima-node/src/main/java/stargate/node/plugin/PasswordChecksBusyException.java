package stargate.node.plugin;

/**
 * A password could not be checked now: as many PBKDF2 computations as the node allows are running
 * and none finished in time (see {@link PasswordVerifier}). The client should try again shortly;
 * it says nothing about whether the password is right.
 */
public final class PasswordChecksBusyException extends RuntimeException {
    PasswordChecksBusyException() {
        super("too many password checks at once", null, false, false);
    }
}
