package stargate.node.listener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import stargate.model.Certificate;
import stargate.model.CertificatePem;
import stargate.node.ocsp.OcspStaples;

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
            SniKeyManager.Entry entry = new SniKeyManager.Entry(certificate.id(), certificate.snis(), main, ecdsa,
                    certificate.ocspStapling());
            if (certificate.ocspStapling()) {
                checkStapling(entry, provider);
            }
            return entry;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("certificate " + certificate.id() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("certificate " + certificate.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses {@code ocsp_stapling} where it cannot work: under JSSE (whose only stapling fetches the
     * response inside the handshake), or for a chain without its issuer or a responder URL.
     */
    private static void checkStapling(SniKeyManager.Entry entry, TlsProvider provider) {
        if (provider != TlsProvider.CONSCRYPT) {
            throw new IllegalArgumentException("ocsp_stapling needs --tls-provider conscrypt: JSSE can staple only by "
                    + "asking the responder inside each handshake, where a slow or down responder stalls handshakes");
        }
        String unavailable = ConscryptOcsp.unavailable();
        if (unavailable != null) {
            throw new IllegalArgumentException("ocsp_stapling: " + unavailable);
        }
        String problem = OcspStaples.problem(entry.stapledChain());
        if (problem != null) {
            throw new IllegalArgumentException(problem + (entry.ecdsa() != null ? " (in the ECDSA pair's chain, "
                    + "the one Conscrypt serves)" : ""));
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
