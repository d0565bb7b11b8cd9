package stargate.node.plugin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import stargate.model.Consumer;

/**
 * {@link Credentials} over a config's consumers.
 *
 * <p>API keys: each stored key becomes its SHA-256 digest ({@code sha256:<64 hex>} is taken as the
 * digest itself). A presented key is hashed and looked up by digest; the hit is then confirmed with
 * {@link MessageDigest#isEqual}. Looking up by digest leaks nothing useful: an attacker controls the
 * key, not its hash, so timing reveals nothing about stored keys. Cost: one SHA-256 per request.
 *
 * <p>Passwords: a plain password is stored as SHA-256 over a random per-snapshot salt and the
 * password; a check hashes salt and presented password and compares with {@code isEqual}. An
 * unknown user name is checked against a dummy entry, so it takes as long as a wrong password.
 * (The controller's salted form for etcd plugs in at {@link #passwordEntry}.)
 */
final class ConsumerDirectory implements Credentials {
    private static final String SHA256_PREFIX = "sha256:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Consumer> byId = new HashMap<>();
    private final Map<String, KeyEntry> byKeyDigest = new HashMap<>();
    private final Map<String, PasswordEntry> byUser = new HashMap<>();
    private final List<Consumer> withJwt = new ArrayList<>();
    private final PasswordEntry dummy;

    private record KeyEntry(Consumer consumer, byte[] digest) {
    }

    private record PasswordEntry(Consumer consumer, byte[] salt, byte[] digest) {
    }

    private ConsumerDirectory() {
        dummy = passwordEntry(null, "no such user");
    }

    static ConsumerDirectory compile(List<Consumer> consumers) {
        ConsumerDirectory directory = new ConsumerDirectory();
        for (Consumer consumer : consumers) {
            directory.byId.put(consumer.id(), consumer);
            if (consumer.keyAuth() != null && consumer.keyAuth().key() != null) {
                String digest = storedKeyDigest(consumer.keyAuth().key());
                directory.byKeyDigest.put(digest, new KeyEntry(consumer, HexFormat.of().parseHex(digest)));
            }
            if (consumer.basicAuth() != null && consumer.basicAuth().username() != null) {
                directory.byUser.put(consumer.basicAuth().username(),
                        passwordEntry(consumer, consumer.basicAuth().password()));
            }
            if (consumer.jwt() != null && consumer.jwt().issuer() != null) {
                directory.withJwt.add(consumer);
            }
        }
        return directory;
    }

    @Override
    public Consumer consumer(String id) {
        return byId.get(id);
    }

    @Override
    public Consumer byApiKey(String presentedKey) {
        byte[] digest = sha256(presentedKey.getBytes(StandardCharsets.UTF_8));
        KeyEntry found = byKeyDigest.get(HexFormat.of().formatHex(digest));
        return found != null && MessageDigest.isEqual(found.digest(), digest) ? found.consumer() : null;
    }

    @Override
    public Consumer byPassword(String username, String password) {
        PasswordEntry entry = byUser.getOrDefault(username, dummy);
        byte[] presented = saltedDigest(entry.salt(), password);
        boolean equal = MessageDigest.isEqual(entry.digest(), presented);
        return equal ? entry.consumer() : null;
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

    /** The lower-case hex SHA-256 of a stored key: as given for {@code sha256:<hex>}, computed for a plain key. */
    private static String storedKeyDigest(String stored) {
        if (stored.startsWith(SHA256_PREFIX) && stored.length() == SHA256_PREFIX.length() + 64) {
            return stored.substring(SHA256_PREFIX.length()).toLowerCase(java.util.Locale.ROOT);
        }
        return HexFormat.of().formatHex(sha256(stored.getBytes(StandardCharsets.UTF_8)));
    }

    /** A stored password as a salted digest; plain passwords (standalone files) are hashed here. */
    private static PasswordEntry passwordEntry(Consumer consumer, String storedPassword) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new PasswordEntry(consumer, salt, saltedDigest(salt, storedPassword == null ? "" : storedPassword));
    }

    private static byte[] saltedDigest(byte[] salt, String password) {
        MessageDigest sha = sha256();
        sha.update(salt);
        return sha.digest(password.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
