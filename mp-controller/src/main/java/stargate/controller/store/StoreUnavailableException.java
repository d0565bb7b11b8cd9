package stargate.controller.store;

/** etcd did not answer within the store's timeout, or refused the call: the API answers 503. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
