package stargate.node.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import stargate.model.Upstream;

/**
 * Socket factories for https targets from {@link Upstream.Tls}: the JDK's default trust store, or the
 * PEM certificates of {@code ca_file}, or no verification at all with {@code verify: false}.
 * Hostname verification (and SNI) is set per socket by {@link TargetPool} (and by the active health checks).
 */
public final class UpstreamTls {
    private UpstreamTls() {
    }

    /**
     * @throws IllegalArgumentException if {@code ca_file} cannot be read, or client certificates are asked for
     */
    public static SSLSocketFactory socketFactory(Upstream.Tls tls) {
        return sslContext(tls).getSocketFactory();
    }

    /**
     * The context behind {@link #socketFactory}, for clients that take a context (the gRPC upstreams).
     *
     * @throws IllegalArgumentException if {@code ca_file} cannot be read, or client certificates are asked for
     */
    public static SSLContext sslContext(Upstream.Tls tls) {
        if (tls != null && (tls.clientCertFile() != null || tls.clientKeyFile() != null)) {
            throw new IllegalArgumentException("upstream client certificates (client_cert_file) are not supported yet");
        }
        try {
            if (tls == null || (tls.verify() && tls.caFile() == null)) {
                return SSLContext.getDefault();
            }
            TrustManager[] trust = tls.verify() ? trustPem(Path.of(tls.caFile())) : new TrustManager[] {new TrustAll()};
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load upstream ca_file " + tls.caFile() + ": " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustPem(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream pem = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in the file");
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** {@code verify: false}: accepts any server certificate (and, with no endpoint identification, any name). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
