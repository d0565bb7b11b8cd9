package stargate.model.routing;

/**
 * A request path the gateway refuses before routing (400 {@code bad_request}, SPEC §13); the message
 * says why. Carries no stack trace: it is an expected answer to hostile input, which may come often.
 */
public final class MalformedPathException extends Exception {
    MalformedPathException(String message) {
        super(message, null, false, false);
    }
}
