package stargate.node.listener;

import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Bounds the TLS records a client sends in a row after its handshake that carry no application data: TLS 1.3
 * KeyUpdate messages (each makes the node derive new keys and, for {@code update_requested}, answer with a
 * KeyUpdate of its own) and empty records. JSSE takes any number: a client flooding KeyUpdates cost the node
 * ~5x its own CPU (TlsKeyUpdateFloodTest), on a connection that never makes a request, so no request limit
 * sees it. BoringSSL (Conscrypt) ends such a connection after 32 of either in a row; this applies the same
 * bound to both providers. One engine is driven by one thread at a time.
 */
final class RecordsWithoutData {
    /** BoringSSL's {@code kMaxKeyUpdates} and {@code kMaxEmptyRecords}. */
    static final int MAX = 32;
    private int inARow;

    /** Notes one unwrap after the handshake; fails the connection past {@link #MAX} records in a row without data. */
    void note(SSLEngineResult result) throws SSLException {
        if (result.bytesProduced() > 0) {
            inARow = 0;
        } else if (result.bytesConsumed() > 0 && result.getStatus() == SSLEngineResult.Status.OK && ++inARow > MAX) {
            throw new FloodException();
        }
    }

    /**
     * Whether {@code e} (as the connection's read saw it: Helidon wraps the engine's exception) ends a flood: this
     * bound's, or BoringSSL's own, which Conscrypt meets first (its engine fails the record before this notes it).
     */
    static boolean endsAFlood(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (cause instanceof FloodException || message != null
                    && (message.contains("TOO_MANY_KEY_UPDATES") || message.contains("TOO_MANY_EMPTY_FRAGMENTS"))) {
                return true;
            }
        }
        return false;
    }

    /** The client sent more than {@link #MAX} records in a row without application data. */
    static final class FloodException extends SSLException {
        FloodException() {
            super("more than " + MAX + " TLS records in a row without application data (a KeyUpdate or empty record flood)");
        }
    }
}
