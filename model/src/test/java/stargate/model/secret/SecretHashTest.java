package stargate.model.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SecretHashTest {
    // printf %s abc | sha256sum
    private static final String ABC_HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void anApiKeyHashIsTheHexSha256() {
        assertEquals("sha256:" + ABC_HEX, SecretHash.hashApiKey("abc"));
    }

    @Test
    void aStoredKeyStandsForItsDigestAPlainOneForItsHash() {
        byte[] abc = HexFormat.of().parseHex(ABC_HEX);
        assertArrayEquals(abc, SecretHash.storedApiKeyDigest("sha256:" + ABC_HEX));
        assertArrayEquals(abc, SecretHash.storedApiKeyDigest("sha256:" + ABC_HEX.toUpperCase()));
        assertArrayEquals(abc, SecretHash.storedApiKeyDigest("abc"));
        assertArrayEquals(SecretHash.sha256("sha256:short"), SecretHash.storedApiKeyDigest("sha256:short"),
                "not 64 hex digits: a plain key");
    }

    @Test
    void passwordHashesAreSaltedAndVerifyOnlyTheirPassword() {
        String a = SecretHash.hashPassword("pw-123456");
        String b = SecretHash.hashPassword("pw-123456");
        assertNotEquals(a, b);
        assertTrue(a.matches("pbkdf2-sha256:" + SecretHash.PBKDF2_ITERATIONS + ":[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+"), a);
        assertTrue(SecretHash.passwordMatches("pw-123456", a));
        assertFalse(SecretHash.passwordMatches("pw-1234567", a));
        assertFalse(SecretHash.passwordMatches(a, a), "the stored hash is not the password");
        assertFalse(SecretHash.passwordMatches("pw-123456", "sha256:abc"));
        assertEquals(a, SecretHash.parsePassword(a).toString());
    }

    @Test
    void malformedPasswordHashesAreRefusedWithTheReason() {
        String hash = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=";
        assertThrows(IllegalArgumentException.class, () -> SecretHash.parsePassword("pbkdf2-sha256:1000:c2FsdA=="));
        assertThrows(IllegalArgumentException.class, () -> SecretHash.parsePassword("pbkdf2-sha256:0:c2FsdA==:" + hash));
        assertThrows(IllegalArgumentException.class, () -> SecretHash.parsePassword("pbkdf2-sha256:x:c2FsdA==:" + hash));
        assertThrows(IllegalArgumentException.class,
                () -> SecretHash.parsePassword("pbkdf2-sha256:" + (SecretHash.MAX_PBKDF2_ITERATIONS + 1) + ":c2FsdA==:" + hash));
        assertThrows(IllegalArgumentException.class, () -> SecretHash.parsePassword("pbkdf2-sha256:1000:c2FsdA==:c2hvcnQ="));
        assertFalse(SecretHash.passwordMatches("pw", "pbkdf2-sha256:1000:!!:" + hash));
        assertEquals(1000, SecretHash.parsePassword("pbkdf2-sha256:1000:c2FsdA==:" + hash).iterations());
    }
}
