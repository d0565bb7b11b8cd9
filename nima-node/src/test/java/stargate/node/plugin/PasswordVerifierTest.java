package stargate.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.secret.SecretHash;

/** PBKDF2 password checks: successes remembered, failures bounded, the stored hash never a password. */
class PasswordVerifierTest {
    private static final int FAST = 1000;

    private static SecretHash.HashedPassword hash(String password, int iterations) {
        return SecretHash.parsePassword(SecretHash.hashPassword(password, iterations));
    }

    private static Consumer user(String name, String storedPassword) {
        return new Consumer(name, null, new Consumer.BasicAuth(name, storedPassword), null, null);
    }

    @Test
    void aSuccessIsRememberedAFailureIsNot() {
        PasswordVerifier verifier = new PasswordVerifier(16, 1, Duration.ofSeconds(5));
        SecretHash.HashedPassword stored = hash("pw", FAST);
        assertTrue(verifier.matches("alice", "pw", stored));
        assertTrue(verifier.matches("alice", "pw", stored));
        assertEquals(1, verifier.pbkdf2Runs(), "the second success came from memory");
        assertFalse(verifier.matches("alice", "wrong", stored));
        assertFalse(verifier.matches("alice", "wrong", stored));
        assertEquals(3, verifier.pbkdf2Runs(), "every failure costs a PBKDF2");
        assertFalse(verifier.matches("alice", stored.toString(), stored), "the stored hash is not the password");
    }

    @Test
    void aNewHashOfTheSamePasswordOrAnotherUserIsCheckedAgain() {
        PasswordVerifier verifier = new PasswordVerifier(16, 1, Duration.ofSeconds(5));
        SecretHash.HashedPassword before = hash("pw", FAST);
        assertTrue(verifier.matches("alice", "pw", before));
        assertTrue(verifier.matches("alice", "pw", hash("pw", FAST)));
        assertTrue(verifier.matches("bob", "pw", before));
        assertEquals(3, verifier.pbkdf2Runs());
    }

    @Test
    void theRememberedSuccessesAreBounded() {
        PasswordVerifier verifier = new PasswordVerifier(2, 1, Duration.ofSeconds(5));
        SecretHash.HashedPassword stored = hash("pw", FAST);
        for (String user : List.of("a", "b", "c", "c", "b")) {
            assertTrue(verifier.matches(user, "pw", stored));
        }
        assertEquals(3, verifier.pbkdf2Runs(), "b and c stayed");
        assertTrue(verifier.matches("a", "pw", stored));
        assertEquals(4, verifier.pbkdf2Runs(), "a was evicted");
    }

    @Test
    void aCheckThatCannotGetAPbkdf2SlotInTimeIsBusyNotWrong() throws Exception {
        PasswordVerifier verifier = new PasswordVerifier(16, 1, Duration.ofMillis(50));
        SecretHash.HashedPassword slow = hash("pw", SecretHash.MAX_PBKDF2_ITERATIONS);
        CompletableFuture<Boolean> holder = CompletableFuture.supplyAsync(() -> verifier.matches("a", "wrong", slow));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (verifier.pbkdf2Runs() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThrows(PasswordChecksBusyException.class, () -> verifier.matches("b", "pw", hash("pw", FAST)));
        assertFalse(holder.get(30, TimeUnit.SECONDS));
        assertTrue(verifier.matches("b", "pw", hash("pw", FAST)), "the slot is free again");
    }

    @Test
    void theDirectoryChecksHashedPasswordsAndRunsPbkdf2ForAnUnknownUserToo() {
        PasswordVerifier verifier = new PasswordVerifier(16, 1, Duration.ofSeconds(5));
        String stored = SecretHash.hashPassword("carol-pw", FAST);
        Credentials credentials = ConsumerDirectory.compile(List.of(user("carol", stored), user("dave", "plain-pw")), verifier);
        assertEquals("carol", credentials.byPassword("carol", "carol-pw").id());
        assertNull(credentials.byPassword("carol", stored));
        assertEquals("dave", credentials.byPassword("dave", "plain-pw").id());
        long runs = verifier.pbkdf2Runs();
        assertNull(credentials.byPassword("nobody", "carol-pw"));
        assertEquals(runs + 1, verifier.pbkdf2Runs(), "an unknown user takes as long as a wrong password");
    }

    @Test
    void aMalformedHashAuthenticatesNoOne() {
        String malformed = "pbkdf2-sha256:1000:c2FsdA==:c2hvcnQ=";
        Credentials credentials = ConsumerDirectory.compile(List.of(user("erin", malformed)),
                new PasswordVerifier(16, 1, Duration.ofSeconds(5)));
        assertNull(credentials.byPassword("erin", malformed));
        assertNull(credentials.byPassword("erin", ""));
    }
}
