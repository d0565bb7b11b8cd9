package stargate.node.listener;

import java.nio.ByteBuffer;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} whose engines keep TLS session resumption working under Helidon.
 *
 * <p>Helidon's listener ({@code ConnectionHandler.createNioSocket}) sets the endpoint identification
 * algorithm of every server {@link SSLEngine} to {@code ""}. JSSE writes that into its stateless session tickets (TLS 1.2
 * {@code session_ticket}, TLS 1.3 PSK) as "none" and reads it back as {@code null}; on the next
 * handshake it compares {@code ""} with {@code null}, logs "Can't resume, endpoint id algorithm does
 * not match" and does a full handshake (an RSA signature, half of a handshake's CPU). Every client
 * that offers a ticket was refused. The engines made here turn an empty algorithm into
 * {@code null} (which is what a server means by it: no endpoint identification), so tickets
 * resume. The engines also carry the key manager's SNI matcher (no certificate for the name:
 * {@code unrecognized_name}), and do the CPU-heavy steps of their handshakes on
 * {@link HandshakeWorkers} (JSSE: its delegated tasks; Conscrypt, which has none: its reads until the
 * handshake has finished). Everything else is the wrapped context.
 */
final class ResumableServerContext {
    private ResumableServerContext() {
    }

    /**
     * @param sniMatcher set on every engine: a client's SNI name it refuses ends the handshake with
     *                   an {@code unrecognized_name} alert
     */
    static SSLContext wrap(SSLContext real, SNIMatcher sniMatcher, TlsProvider provider) {
        return new SSLContext(new Spi(real, sniMatcher, provider), real.getProvider(), real.getProtocol()) {
        };
    }

    private static SSLParameters serverParameters(SSLParameters params, SNIMatcher sniMatcher) {
        if (params != null && "".equals(params.getEndpointIdentificationAlgorithm())) {
            params.setEndpointIdentificationAlgorithm(null);
        }
        if (params != null) {
            params.setSNIMatchers(List.of(sniMatcher));
        }
        return params;
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext real;
        private final SNIMatcher sniMatcher;
        private final TlsProvider provider;

        Spi(SSLContext real, SNIMatcher sniMatcher, TlsProvider provider) {
            this.real = real;
            this.sniMatcher = sniMatcher;
            this.provider = provider;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return real.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return new Engine(provider.serverEngine(real, null, -1), sniMatcher, provider);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return new Engine(provider.serverEngine(real, host, port), sniMatcher, provider);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return real.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real.getSupportedSSLParameters();
        }
    }

    /**
     * The provider's engine with {@link #setSSLParameters} fixed as above and its handshake work
     * moved to {@link HandshakeWorkers}; everything else delegates.
     */
    private static final class Engine extends SSLEngine {
        private final SSLEngine real;
        private final SNIMatcher sniMatcher;
        /** Conscrypt does a handshake's work inside unwrap (BoringSSL has no delegated tasks). */
        private final boolean handshakesInUnwrap;
        /**
         * Whether the handshake has finished: later reads are records of the connection, done in
         * place. Used by the one thread that drives the engine at a time (a worker's step
         * happens-before the caller's return).
         */
        private boolean established;
        /** After the handshake: records in a row without application data (a KeyUpdate flood) end the connection. */
        private final RecordsWithoutData recordsWithoutData = new RecordsWithoutData();

        Engine(SSLEngine real, SNIMatcher sniMatcher, TlsProvider provider) {
            super(real.getPeerHost(), real.getPeerPort());
            this.real = real;
            this.sniMatcher = sniMatcher;
            this.handshakesInUnwrap = provider == TlsProvider.CONSCRYPT;
            real.setSSLParameters(serverParameters(real.getSSLParameters(), sniMatcher));
        }

        /** True while a read may carry a handshake's work that belongs on {@link HandshakeWorkers}. */
        private boolean handshakeInUnwrap() {
            return handshakesInUnwrap && !established;
        }

        /** One unwrap of the real engine: on {@link HandshakeWorkers} while it may carry handshake work, else in place. */
        private SSLEngineResult read(Unwrap unwrap) throws SSLException {
            SSLEngineResult result = noteFinished(handshakeInUnwrap() ? HandshakeWorkers.SHARED.call(unwrap::call) : unwrap.call());
            if (established) {
                recordsWithoutData.note(result);
            }
            return result;
        }

        /** An unwrap call of the real engine. */
        @FunctionalInterface
        private interface Unwrap {
            SSLEngineResult call() throws SSLException;
        }

        private SSLEngineResult noteFinished(SSLEngineResult result) {
            if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                established = true;
            }
            return result;
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            real.setSSLParameters(serverParameters(params, sniMatcher));
        }

        @Override
        public SSLParameters getSSLParameters() {
            return real.getSSLParameters();
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
            return noteFinished(real.wrap(srcs, offset, length, dst));
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
            return noteFinished(real.wrap(src, dst));
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, ByteBuffer dst) throws SSLException {
            return noteFinished(real.wrap(srcs, dst));
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
            return read(() -> real.unwrap(src, dsts, offset, length));
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
            return read(() -> real.unwrap(src, dst));
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts) throws SSLException {
            return read(() -> real.unwrap(src, dsts));
        }

        @Override
        public Runnable getDelegatedTask() {
            Runnable task = real.getDelegatedTask();
            return task == null ? null : () -> HandshakeWorkers.SHARED.run(task);
        }

        @Override
        public void closeInbound() throws SSLException {
            real.closeInbound();
        }

        @Override
        public boolean isInboundDone() {
            return real.isInboundDone();
        }

        @Override
        public void closeOutbound() {
            real.closeOutbound();
        }

        @Override
        public boolean isOutboundDone() {
            return real.isOutboundDone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return real.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return real.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            real.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return real.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return real.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            real.setEnabledProtocols(protocols);
        }

        @Override
        public SSLSession getSession() {
            return real.getSession();
        }

        @Override
        public SSLSession getHandshakeSession() {
            return real.getHandshakeSession();
        }

        @Override
        public void beginHandshake() throws SSLException {
            real.beginHandshake();
        }

        @Override
        public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
            return real.getHandshakeStatus();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            real.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return real.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            real.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return real.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            real.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return real.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            real.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return real.getEnableSessionCreation();
        }

        @Override
        public String getApplicationProtocol() {
            return real.getApplicationProtocol();
        }

        @Override
        public String getHandshakeApplicationProtocol() {
            return real.getHandshakeApplicationProtocol();
        }

        @Override
        public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
            real.setHandshakeApplicationProtocolSelector(selector);
        }

        @Override
        public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
            return real.getHandshakeApplicationProtocolSelector();
        }

        @Override
        public String toString() {
            return real.toString();
        }
    }
}
