package stargate.node.proxy;

/**
 * The client's request body grew past the limit a plugin set ({@link ForwardEdits#maxBodyBytes}) while
 * it was streamed upstream. Nothing was sent to the client yet: the caller answers 413.
 */
public final class BodyTooLargeException extends RuntimeException {
    private final long limit;

    BodyTooLargeException(long limit) {
        super("request body exceeds " + limit + " bytes", null, false, false);
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
