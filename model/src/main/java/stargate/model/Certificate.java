package stargate.model;

import java.util.List;

/**
 * A TLS certificate served to clients whose SNI name matches one of {@code snis}.
 * Exactly one of {@code cert}/{@code certFile}, and one of {@code key}/{@code keyFile}, is set.
 * An optional second pair, ECDSA P-256 ({@code ecdsa_cert}/{@code ecdsa_cert_file} with
 * {@code ecdsa_key}/{@code ecdsa_key_file}), is served instead of the first to clients that accept
 * ECDSA signatures (a cheaper handshake); clients that do not get the first pair (usually RSA).
 *
 * @param id           unique among certificates
 * @param snis         exact or leading-wildcard names
 * @param cert         PEM certificate chain, inline
 * @param certFile     path to a PEM certificate chain
 * @param key          PEM private key (PKCS#8), inline; never returned by the API
 * @param keyFile      path to a PEM private key
 * @param ecdsaCert    optional PEM chain whose leaf has a P-256 key, inline
 * @param ecdsaCertFile path to it
 * @param ecdsaKey     its PEM private key (PKCS#8), inline; never returned by the API
 * @param ecdsaKeyFile path to it
 * @param ocspStapling whether the node fetches, keeps and staples the OCSP response of the served
 *                     certificate (its chain must carry the issuer, its leaf an OCSP responder URL)
 */
public record Certificate(String id, List<String> snis, String cert, String certFile, String key, String keyFile,
                          String ecdsaCert, String ecdsaCertFile, String ecdsaKey, String ecdsaKeyFile,
                          boolean ocspStapling) {
    public Certificate {
        snis = Lists.copy(snis);
    }

    /** Whether any part of the ECDSA pair is configured. */
    public boolean hasEcdsaPair() {
        return ecdsaCert != null || ecdsaCertFile != null || ecdsaKey != null || ecdsaKeyFile != null;
    }
}
