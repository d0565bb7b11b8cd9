package stargate.node.listener;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;

/**
 * Hands BoringSSL the OCSP response to staple on one Conscrypt engine, from the key manager's
 * certificate choice (BoringSSL's certificate callback, where {@code SSL_set_ocsp_response} belongs:
 * the SNI name is known and nothing has been sent yet).
 *
 * <p>Conscrypt 2.5 has no public API for it: its engine copies a package-private
 * {@code SSLParametersImpl.ocspResponse} into BoringSSL when the handshake starts, before the client's
 * SNI name is read, so before the certificate (and its response) is chosen. This calls the same native
 * {@code NativeCrypto.SSL_set_ocsp_response} on the engine's own {@code SSL}, looked up once. Were
 * Conscrypt to change those internals, {@link #unavailable} says why and {@code ocsp_stapling} is refused.
 *
 * <p>JSSE has nothing of the kind: its only stapling is its own fetch inside the handshake
 * ({@code jdk.tls.server.enableStatusRequestExtension}), where a slow responder stalls every handshake.
 */
final class ConscryptOcsp {
    private static final Logger LOG = Logger.getLogger(ConscryptOcsp.class.getName());
    private static final Class<?> ENGINE;
    /** (SSLEngine engine, byte[] der) -> void: sets the OCSP response of a Conscrypt engine's SSL. */
    private static final MethodHandle STAPLE;
    private static final String UNAVAILABLE;

    static {
        Class<?> engine = null;
        MethodHandle staple = null;
        String unavailable = null;
        try {
            ClassLoader loader = ConscryptOcsp.class.getClassLoader();
            engine = Class.forName("org.conscrypt.ConscryptEngine", false, loader);
            Class<?> nativeSsl = Class.forName("org.conscrypt.NativeSsl", false, loader);
            Class<?> nativeCrypto = Class.forName("org.conscrypt.NativeCrypto", false, loader);
            MethodHandles.Lookup own = MethodHandles.lookup();
            MethodHandle engineSsl = MethodHandles.privateLookupIn(engine, own).findGetter(engine, "ssl", nativeSsl);
            MethodHandle address = MethodHandles.privateLookupIn(nativeSsl, own).findGetter(nativeSsl, "ssl", long.class);
            MethodHandle set = MethodHandles.privateLookupIn(nativeCrypto, own).findStatic(nativeCrypto,
                    "SSL_set_ocsp_response", MethodType.methodType(void.class, long.class, nativeSsl, byte[].class));
            // (engine, der) -> set(address(ssl(engine)), ssl(engine), der)
            MethodHandle bySsl = MethodHandles.foldArguments(set, address);
            staple = MethodHandles.filterArguments(bySsl, 0, engineSsl)
                    .asType(MethodType.methodType(void.class, SSLEngine.class, byte[].class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable = "this Conscrypt has no way to hand BoringSSL an OCSP response (" + e + ")";
        }
        ENGINE = engine;
        STAPLE = staple;
        UNAVAILABLE = unavailable;
    }

    private ConscryptOcsp() {
    }

    /** Why stapling cannot work with this Conscrypt, or null when it can. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** Staples {@code der} on this handshake; an engine that is not Conscrypt's is left alone. */
    static void staple(SSLEngine engine, byte[] der) {
        if (STAPLE == null || engine == null || engine.getClass() != ENGINE) {
            return;
        }
        try {
            STAPLE.invokeExact(engine, der);
        } catch (Throwable e) {
            LOG.log(Level.FINE, "event=ocsp_staple_not_set error=\"" + e + "\"");
        }
    }
}
