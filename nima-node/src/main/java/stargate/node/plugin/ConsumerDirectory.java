package stargate.node.plugin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import stargate.model.Consumer;
import stargate.model.secret.SecretHash;

/**
 * {@link Credentials} over a config's consumers. Stored forms are {@link SecretHash}'s; anything
 * else is a plain secret from a standalone file. A presented secret is always hashed before it is
 * compared, so presenting a stored hash authenticates no one.
 *
 * <p>API keys: each stored key becomes the SHA-256 it stands for ({@code sha256:<64 hex>} is that
 * digest; a plain key is hashed). A presented key is hashed and looked up by digest; the hit is
 * then confirmed with {@link MessageDigest#isEqual}. Looking up by digest leaks nothing useful: an
 * attacker controls the key, not its hash, so timing reveals nothing about stored keys. Cost: one
 * SHA-256 per request.
 *
 * <p>Passwords: a {@code pbkdf2-sha256:…} hash (the controller's, in etcd) is checked by the
 * {@link PasswordVerifier}, which remembers successes and bounds the PBKDF2 work failures cause. A
 * plain password is kept as SHA-256 over a random per-snapshot salt and the password, and checked
 * with {@code isEqual}. An unknown user name is checked against a dummy of the slower kind the
 * snapshot holds, so it takes as long as a wrong password. A malformed hash (which validation
 * refuses) authenticates no one.
 */
final class ConsumerDirectory implements Credentials {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SALT_BYTES = 16;

    private final Map<String, Consumer> byId = new HashMap<>();
    private final Map<String, KeyEntry> byKeyDigest = new HashMap<>();
    private final Map<String, PasswordEntry> byUser = new HashMap<>();
    private final List<Consumer> withJwt = new ArrayList<>();
    private final PasswordEntry unknownUser;

    private record KeyEntry(Consumer consumer, byte[] digest) {
    }

    /** A user's password as it can be checked; {@code consumer} is null for the unknown-user dummy. */
    private interface PasswordEntry {
        Consumer consumer();

        boolean matches(String username, String password);
    }

    private record PlainPassword(Consumer consumer, byte[] salt, byte[] digest) implements PasswordEntry {
        static PlainPassword of(Consumer consumer, String password) {
            byte[] salt = randomBytes(SALT_BYTES);
            return new PlainPassword(consumer, salt, saltedDigest(salt, password));
        }

        @Override
        public boolean matches(String username, String password) {
            return MessageDigest.isEqual(digest, saltedDigest(salt, password));
        }
    }

    private record HashedPassword(Consumer consumer, SecretHash.HashedPassword hash, PasswordVerifier verifier)
            implements PasswordEntry {
        @Override
        public boolean matches(String username, String password) {
            return verifier.matches(username, password, hash);
        }
    }

    private ConsumerDirectory(List<Consumer> consumers, PasswordVerifier verifier) {
        SecretHash.HashedPassword someHash = null;
        for (Consumer consumer : consumers) {
            byId.put(consumer.id(), consumer);
            if (consumer.keyAuth() != null && consumer.keyAuth().key() != null) {
                byte[] digest = SecretHash.storedApiKeyDigest(consumer.keyAuth().key());
                byKeyDigest.put(HexFormat.of().formatHex(digest), new KeyEntry(consumer, digest));
            }
            Consumer.BasicAuth basic = consumer.basicAuth();
            if (basic != null && basic.username() != null && basic.password() != null) {
                if (!SecretHash.isHashedPassword(basic.password())) {
                    byUser.put(basic.username(), PlainPassword.of(consumer, basic.password()));
                } else if (parseOrNull(basic.password()) instanceof SecretHash.HashedPassword hash) {
                    byUser.put(basic.username(), new HashedPassword(consumer, hash, verifier));
                    someHash = hash;
                }
            }
            if (consumer.jwt() != null && consumer.jwt().issuer() != null) {
                withJwt.add(consumer);
            }
        }
        unknownUser = someHash == null ? PlainPassword.of(null, "no such user")
                : new HashedPassword(null, new SecretHash.HashedPassword(someHash.iterations(),
                        randomBytes(SALT_BYTES), randomBytes(someHash.hash().length)), verifier);
    }

    static ConsumerDirectory compile(List<Consumer> consumers) {
        return compile(consumers, PasswordVerifier.shared());
    }

    static ConsumerDirectory compile(List<Consumer> consumers, PasswordVerifier verifier) {
        return new ConsumerDirectory(consumers, verifier);
    }

    @Override
    public Consumer consumer(String id) {
        return byId.get(id);
    }

    @Override
    public Consumer byApiKey(String presentedKey) {
        byte[] digest = SecretHash.sha256(presentedKey);
        KeyEntry found = byKeyDigest.get(HexFormat.of().formatHex(digest));
        return found != null && MessageDigest.isEqual(found.digest(), digest) ? found.consumer() : null;
    }

    @Override
    public Consumer byPassword(String username, String password) {
        PasswordEntry entry = byUser.getOrDefault(username, unknownUser);
        return entry.matches(username, password) ? entry.consumer() : null;
    }

    @Override
    public Consumer byToken(String issuer, List<String> audiences, String subject) {
        Consumer match = null;
        for (Consumer consumer : withJwt) {
            Consumer.Jwt jwt = consumer.jwt();
            if (!jwt.issuer().equals(issuer)
                    || jwt.audience() != null && !audiences.contains(jwt.audience())
                    || jwt.subject() != null && !jwt.subject().equals(subject)) {
                continue;
            }
            if (jwt.subject() != null) {
                return consumer;
            }
            if (match == null) {
                match = consumer;
            }
        }
        return match;
    }

    @Override
    public boolean mapsIssuer(String issuer) {
        for (Consumer consumer : withJwt) {
            if (consumer.jwt().issuer().equals(issuer)) {
                return true;
            }
        }
        return false;
    }

    private static SecretHash.HashedPassword parseOrNull(String stored) {
        try {
            return SecretHash.parsePassword(stored);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] saltedDigest(byte[] salt, String password) {
        MessageDigest sha = SecretHash.newSha256();
        sha.update(salt);
        return sha.digest(password.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
