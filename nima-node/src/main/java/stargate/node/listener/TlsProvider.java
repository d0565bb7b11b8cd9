package stargate.node.listener;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.conscrypt.Conscrypt;

/**
 * Which TLS implementation terminates client connections ({@code --tls-provider}): the JDK's JSSE
 * (the default) or Conscrypt (BoringSSL, the TLS stack of Chrome and Envoy, as a JSSE provider),
 * whose handshakes cost a fraction of JSSE's CPU (bench/README.md, TLS termination). Either way
 * Helidon drives an {@link javax.net.ssl.SSLEngine} over its own sockets, so no virtual thread
 * ever blocks inside native code.
 */
public enum TlsProvider {
    JSSE,
    CONSCRYPT;

    /** {@code jsse} or {@code conscrypt}, any case; conscrypt only where its native library loads. */
    public static TlsProvider parse(String raw) {
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "jsse" -> JSSE;
            case "conscrypt" -> {
                // refused here, at start, rather than at the first certificate or handshake
                if (!Conscrypt.isAvailable()) {
                    throw new IllegalArgumentException("--tls-provider conscrypt: Conscrypt's native library does not "
                            + "load on this platform (" + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch") + "); use jsse");
                }
                yield CONSCRYPT;
            }
            default -> throw new IllegalArgumentException("--tls-provider must be jsse or conscrypt, got \"" + raw + "\"");
        };
    }

    /** A fresh, uninitialised TLS context of this provider. */
    SSLContext newContext() throws GeneralSecurityException {
        if (this == JSSE) {
            return SSLContext.getInstance("TLS");
        }
        return SSLContext.getInstance("TLS", ConscryptHolder.PROVIDER);
    }

    /**
     * The key a certificate serves with, in this provider's own form: Conscrypt gets a native key
     * made once here; given the JDK's key it re-imports it on every handshake, which took longer
     * than the RSA signature itself (bench TlsEngineCost: 1.65 ms a full handshake, 0.99 ms with
     * the native key). A key Conscrypt cannot import (Ed25519) stays the JDK's.
     */
    PrivateKey serverKey(PrivateKey key) {
        if (this == JSSE) {
            return key;
        }
        try {
            return (PrivateKey) KeyFactory.getInstance(key.getAlgorithm(), ConscryptHolder.PROVIDER).translateKey(key);
        } catch (GeneralSecurityException e) {
            return key;
        }
    }

    /** Made on first use only: with {@code jsse} the native library is never loaded. */
    private static final class ConscryptHolder {
        static final Provider PROVIDER = Conscrypt.newProviderBuilder().provideTrustManager(false).build();
    }

    /**
     * A server engine of this provider. Conscrypt's is made without the peer's host (its session
     * would report that host as the client's SNI name, and the certificate would be chosen by it),
     * and asked to issue session tickets, which it does not by default (BoringSSL rotates the
     * ticket keys by itself).
     */
    SSLEngine serverEngine(SSLContext context, String peerHost, int peerPort) {
        if (this == JSSE) {
            return peerHost == null ? context.createSSLEngine() : context.createSSLEngine(peerHost, peerPort);
        }
        SSLEngine engine = context.createSSLEngine();
        Conscrypt.setUseSessionTickets(engine, true);
        return engine;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
