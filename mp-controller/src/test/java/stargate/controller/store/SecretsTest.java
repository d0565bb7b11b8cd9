package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
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
}
