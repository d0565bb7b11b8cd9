package stargate.node.listener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import stargate.model.Certificate;
import stargate.model.CertificatePem;

/** Reads the config's PEM certificates (inline or from files) into chains and keys. */
final class PemCertificates {
    private PemCertificates() {
    }

    /** @param provider who serves the keys: each is made into its form once, here */
    static SniKeyManager.Entry load(Certificate certificate, TlsProvider provider) {
        try {
            SniKeyManager.Pair main = pair(text(certificate.cert(), certificate.certFile()),
                    text(certificate.key(), certificate.keyFile()), provider);
            SniKeyManager.Pair ecdsa = null;
            if (certificate.hasEcdsaPair()) {
                String certPem = text(certificate.ecdsaCert(), certificate.ecdsaCertFile());
                String keyPem = text(certificate.ecdsaKey(), certificate.ecdsaKeyFile());
                // inline pairs were checked by validation; files are read (and checked) only here
                List<String> problems = CertificatePem.ecdsaProblems(certPem, keyPem, certificate.snis());
                if (!problems.isEmpty()) {
                    throw new IllegalArgumentException(String.join("; ", problems));
                }
                ecdsa = pair(certPem, keyPem, provider);
            }
            return new SniKeyManager.Entry(certificate.id(), certificate.snis(), main, ecdsa);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("certificate " + certificate.id() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("certificate " + certificate.id() + ": " + e.getMessage(), e);
        }
    }

    private static String text(String inline, String file) throws IOException {
        return inline != null ? inline : Files.readString(Path.of(file));
    }

    /** A chain and its PKCS#8 key (RSA, EC or Ed25519, of the leaf's key type). */
    private static SniKeyManager.Pair pair(String certPem, String keyPem, TlsProvider provider)
            throws GeneralSecurityException {
        List<X509Certificate> chain = CertificatePem.chain(certPem);
        return new SniKeyManager.Pair(chain.toArray(X509Certificate[]::new), provider.serverKey(
                CertificatePem.privateKey(keyPem, chain.getFirst().getPublicKey().getAlgorithm())));
    }
}
