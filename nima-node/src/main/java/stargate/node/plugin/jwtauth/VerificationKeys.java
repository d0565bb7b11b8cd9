package stargate.node.plugin.jwtauth;

import java.util.List;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;

/** Where the keys that verify a config's tokens come from: the config itself, or a JWKS URL. */
interface VerificationKeys {
    /**
     * The verifiers that may have signed a token with this header, whose algorithm the config accepts;
     * each can verify only that algorithm's family (never an HMAC key for a public-key algorithm).
     *
     * @return the candidates, in the order to try; empty when no key fits (e.g. an unknown {@code kid})
     * @throws KeysUnavailableException when no key was ever obtained (the JWKS URL never answered)
     */
    List<JWSVerifier> verifiers(JWSHeader header) throws KeysUnavailableException;

    /** No key could be obtained: the request cannot be judged, which is the gateway's problem, not the client's. */
    final class KeysUnavailableException extends Exception {
        KeysUnavailableException(String message) {
            super(message, null, false, false);
        }
    }
}
