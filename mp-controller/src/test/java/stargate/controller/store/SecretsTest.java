package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.secret.SecretHash;
import stargate.model.validate.ConfigError;

class SecretsTest {
    @Test
    void aNewKeyIsHashedAKeptOneIsNot() {
        Consumer stored = (Consumer) Secrets.toStorage(new Consumer("a", new Consumer.KeyAuth("k-12345678"), null, null, null), null);
        assertEquals(SecretHash.hashApiKey("k-12345678"), stored.keyAuth().key());
        List<ConfigError> errors = new ArrayList<>();
        Object unmasked = Secrets.unmask(Secrets.masked(stored), stored, "", errors);
        assertEquals(List.of(), errors);
        assertEquals(stored, Secrets.toStorage(unmasked, stored));
    }

    @Test
    void bothCertificateKeysAreMaskedAndAMaskKeepsTheStoredOnes() {
        Certificate stored = new Certificate("c", List.of("a.example.com"), "CERT", null, "RSA-KEY", null,
                "EC-CERT", null, "EC-KEY", null, true);
        Certificate shown = (Certificate) Secrets.masked(stored);
        assertEquals(Secrets.MASK, shown.key());
        assertEquals(Secrets.MASK, shown.ecdsaKey());
        assertEquals("EC-CERT", shown.ecdsaCert());
        List<ConfigError> errors = new ArrayList<>();
        assertEquals(stored, Secrets.unmask(shown, stored, "", errors));
        assertEquals(List.of(), errors);
        Certificate fileOnly = new Certificate("c", List.of("a.example.com"), "CERT", null, "RSA-KEY", null,
                null, "/ec.pem", null, "/ec.key", false);
        assertEquals(null, ((Certificate) Secrets.masked(fileOnly)).ecdsaKey());
        Secrets.unmask(shown, fileOnly, "certificates[0]", errors);
        assertEquals(List.of("certificates[0].ecdsa_key: \"********\" keeps the stored secret, and there is none: "
                + "send the secret itself"), errors.stream().map(ConfigError::toString).toList());
    }
}
