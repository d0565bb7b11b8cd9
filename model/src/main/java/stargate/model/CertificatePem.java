package stargate.model;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reads PEM certificate chains and PKCS#8 keys, and checks an ECDSA pair: the leaf's key is on
 * P-256, the private key belongs to it, and the leaf's names cover the certificate's SNI names.
 * Shared by the validator (inline PEM) and the node (which also reads files).
 */
public final class CertificatePem {
    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    private static final byte[] PROBE = "stargate key check".getBytes(StandardCharsets.US_ASCII);

    private CertificatePem() {
    }

    /** The chain in a PEM text, leaf first; never empty. */
    public static List<X509Certificate> chain(String pem) throws GeneralSecurityException {
        List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                .stream().map(X509Certificate.class::cast).toList();
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in PEM");
        }
        return chain;
    }

    /** A PKCS#8 ({@code BEGIN PRIVATE KEY}) key of the given algorithm (RSA, EC, Ed25519). */
    public static PrivateKey privateKey(String pem, String algorithm) throws GeneralSecurityException {
        int start = pem.indexOf(BEGIN_KEY);
        int end = pem.indexOf(END_KEY);
        if (start < 0 || end < start) {
            throw new GeneralSecurityException(
                    "key must be PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert with `openssl pkcs8 -topk8 -nocrypt`");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + BEGIN_KEY.length(), end));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** The Authority Information Access extension, where a certificate names its OCSP responder. */
    private static final String AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";

    /**
     * What keeps a chain from being stapled ({@code ocsp_stapling}) that can be seen without the network:
     * the issuer must follow the leaf (an OCSP request names it), and the leaf must carry an Authority
     * Information Access extension. The node checks the responder URL itself when it loads the chain.
     *
     * @return the problem, or null
     */
    public static String staplingProblem(String chainPem) {
        List<X509Certificate> chain;
        try {
            chain = chain(chainPem);
        } catch (GeneralSecurityException e) {
            return null; // reported as a bad certificate by whoever reads it
        }
        if (chain.size() < 2 || !chain.get(0).getIssuerX500Principal().equals(chain.get(1).getSubjectX500Principal())) {
            return "the chain must carry the certificate's issuer right after it (append the intermediate's PEM to "
                    + "the certificate)";
        }
        if (chain.get(0).getExtensionValue(AUTHORITY_INFO_ACCESS) == null) {
            return "the certificate names no OCSP responder (Authority Information Access, OCSP)";
        }
        return null;
    }

    /**
     * Checks an ECDSA pair.
     *
     * @return what is wrong, one message each (empty when the pair is usable for {@code snis})
     */
    public static List<String> ecdsaProblems(String certPem, String keyPem, List<String> snis) {
        List<String> problems = new ArrayList<>();
        X509Certificate leaf;
        try {
            leaf = chain(certPem).getFirst();
        } catch (GeneralSecurityException | RuntimeException e) {
            return List.of("ecdsa_cert: not a readable PEM certificate (" + e.getMessage() + ")");
        }
        if (!(leaf.getPublicKey() instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
            return List.of("ecdsa_cert: the certificate's key must be ECDSA on P-256 (secp256r1), found "
                    + leaf.getPublicKey().getAlgorithm());
        }
        try {
            PrivateKey key = privateKey(keyPem, "EC");
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(PROBE);
            if (!verifier.verify(signature)) {
                problems.add("ecdsa_key: does not belong to ecdsa_cert");
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            problems.add("ecdsa_key: not a usable P-256 key (" + e.getMessage() + ")");
        }
        List<String> names = dnsNames(leaf);
        for (String sni : snis) {
            if (!covers(names, sni.toLowerCase(Locale.ROOT))) {
                problems.add("ecdsa_cert: does not cover SNI name \"" + sni + "\" (its names: " + names + ")");
            }
        }
        return problems;
    }

    static boolean isP256(ECParameterSpec params) {
        try {
            AlgorithmParameters p256 = AlgorithmParameters.getInstance("EC");
            p256.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec expected = p256.getParameterSpec(ECParameterSpec.class);
            return params.getOrder().equals(expected.getOrder()) && params.getCurve().equals(expected.getCurve())
                    && params.getGenerator().equals(expected.getGenerator()) && params.getCofactor() == expected.getCofactor();
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The leaf's DNS subject alternative names (lower case), or its CN when it has none. */
    private static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            if (leaf.getSubjectAlternativeNames() != null) {
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return names;
        }
        if (names.isEmpty()) {
            for (String part : leaf.getSubjectX500Principal().getName().split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    /** An SNI name (exact or {@code *.x}) is covered by the same name, or by a wildcard one label up. */
    private static boolean covers(List<String> names, String sni) {
        if (names.contains(sni)) {
            return true;
        }
        int dot = sni.indexOf('.');
        return !sni.startsWith("*.") && dot > 0 && names.contains("*" + sni.substring(dot));
    }
}
