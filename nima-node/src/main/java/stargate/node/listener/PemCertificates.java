package stargate.node.listener;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import stargate.model.Certificate;

/** Reads the config's PEM certificates (inline or from files) into chains and keys. */
final class PemCertificates {
    private PemCertificates() {
    }

    static SniKeyManager.Entry load(Certificate certificate) {
        try {
            String certPem = certificate.cert() != null ? certificate.cert() : Files.readString(Path.of(certificate.certFile()));
            String keyPem = certificate.key() != null ? certificate.key() : Files.readString(Path.of(certificate.keyFile()));
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(X509Certificate.class::cast).toList();
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("certificate " + certificate.id() + ": no certificate in PEM");
            }
            return new SniKeyManager.Entry(certificate.id(), certificate.snis(), chain.toArray(X509Certificate[]::new),
                    privateKey(certificate.id(), keyPem, chain.getFirst().getPublicKey().getAlgorithm()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("certificate " + certificate.id() + ": " + e.getMessage(), e);
        }
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}) for RSA, EC or Ed25519, of the certificate's key type. */
    private static PrivateKey privateKey(String id, String pem, String algorithm) throws GeneralSecurityException {
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("certificate " + id
                    + ": key must be PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert with `openssl pkcs8 -topk8 -nocrypt`");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }
}
