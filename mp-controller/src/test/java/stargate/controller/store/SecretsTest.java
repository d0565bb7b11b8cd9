package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.Consumer;
import stargate.model.validate.ConfigError;

class SecretsTest {
    @Test
    void anApiKeyHashIsTheHexSha256() {
        // printf %s abc | sha256sum
        assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.hashKey("abc"));
    }

    @Test
    void passwordHashesAreSaltedAndVerify() {
        String a = Secrets.hashPassword("pw-123456");
        String b = Secrets.hashPassword("pw-123456");
        assertNotEquals(a, b);
        assertTrue(a.matches("pbkdf2-sha256:" + Secrets.PBKDF2_ITERATIONS + ":[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+"), a);
        assertTrue(Secrets.passwordMatches("pw-123456", a));
        assertFalse(Secrets.passwordMatches("pw-1234567", a));
        assertFalse(Secrets.passwordMatches("pw-123456", "sha256:abc"));
    }

    @Test
    void aNewKeyIsHashedAKeptOneIsNot() {
        Consumer stored = (Consumer) Secrets.toStorage(new Consumer("a", new Consumer.KeyAuth("k-12345678"), null, null, null), null);
        assertEquals(Secrets.hashKey("k-12345678"), stored.keyAuth().key());
        List<ConfigError> errors = new ArrayList<>();
        Object unmasked = Secrets.unmask(Secrets.masked(stored), stored, "", errors);
        assertEquals(List.of(), errors);
        assertEquals(stored, Secrets.toStorage(unmasked, stored));
    }
}
