package stargate.model;

import java.util.List;

/**
 * A TLS certificate served to clients whose SNI name matches one of {@code snis}.
 * Exactly one of {@code cert}/{@code certFile}, and one of {@code key}/{@code keyFile}, is set.
 *
 * @param id       unique among certificates
 * @param snis     exact or leading-wildcard names
 * @param cert     PEM certificate chain, inline
 * @param certFile path to a PEM certificate chain
 * @param key      PEM private key (PKCS#8), inline; never returned by the API
 * @param keyFile  path to a PEM private key
 */
public record Certificate(String id, List<String> snis, String cert, String certFile, String key, String keyFile) {
    public Certificate {
        snis = Lists.copy(snis);
    }
}
