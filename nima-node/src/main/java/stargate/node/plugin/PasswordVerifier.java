package stargate.node.plugin;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import stargate.model.secret.SecretHash;

/**
 * Checks presented passwords against stored PBKDF2 hashes ({@link SecretHash}) without running
 * PBKDF2 on every request, and without letting clients make the node run it without bound.
 *
 * <p><b>Successes are remembered.</b> A successful check is kept in a small LRU set, keyed by a
 * SHA-256 over a per-process random salt, the user name, the presented password and the stored
 * hash; a client sending the same credentials again costs one SHA-256. Because the key holds the
 * stored hash, a changed password never hits an old entry, and the user is looked up in the config
 * being served before this is asked, so a removed consumer cannot either. The salt keeps the set
 * from being a table of plain password digests shared with anything else.
 *
 * <p><b>Failures are not, and are bounded instead.</b> Remembering failures would not help: whoever
 * guesses varies the password. So every wrong password (and every unknown user, checked against a
 * dummy hash so it takes as long) costs a full PBKDF2, which is the point of the hash. To keep that
 * from eating the node, at most {@code concurrency} PBKDF2 computations run at once (by default half
 * the cores), and a check waits at most {@code maxWait} for its turn, then gives up with
 * {@link PasswordChecksBusyException} (basic-auth answers 503 with {@code Retry-After}). The
 * trade-off: while someone floods the node with wrong passwords, clients whose success is not
 * remembered yet (new clients, or after a restart) may be told to retry, while remembered clients
 * and all other traffic go on at full speed.
 */
final class PasswordVerifier {
    /** Successful checks remembered: a few thousand hot clients, a few hundred KiB. */
    static final int REMEMBERED_SUCCESSES = 4096;
    /** How long a check waits for a PBKDF2 slot before the client is told to retry. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final PasswordVerifier SHARED = new PasswordVerifier(REMEMBERED_SUCCESSES,
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2), MAX_WAIT);

    /** Keys of remembered successes, least recently used first. Guarded by itself. */
    private final Map<String, Boolean> remembered;
    private final Semaphore hashingSlots;
    private final long maxWaitNanos;
    private final byte[] processSalt = new byte[16];
    private final AtomicLong pbkdf2Runs = new AtomicLong();

    PasswordVerifier(int rememberedSuccesses, int concurrency, Duration maxWait) {
        this.remembered = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > rememberedSuccesses;
            }
        };
        this.hashingSlots = new Semaphore(concurrency, true);
        this.maxWaitNanos = maxWait.toNanos();
        RANDOM.nextBytes(processSalt);
    }

    /** The node's one verifier: its bounds hold for the whole process, across config snapshots. */
    static PasswordVerifier shared() {
        return SHARED;
    }

    /**
     * @return whether {@code password} is the one {@code stored} was made from
     * @throws PasswordChecksBusyException when no PBKDF2 slot freed up in time
     */
    boolean matches(String username, String password, SecretHash.HashedPassword stored) {
        String key = rememberKey(username, password, stored);
        synchronized (remembered) {
            if (remembered.get(key) != null) {
                return true;
            }
        }
        boolean matches = runPbkdf2(password, stored);
        if (matches) {
            synchronized (remembered) {
                remembered.put(key, Boolean.TRUE);
            }
        }
        return matches;
    }

    /** PBKDF2 computations run so far (tests). */
    long pbkdf2Runs() {
        return pbkdf2Runs.get();
    }

    private boolean runPbkdf2(String password, SecretHash.HashedPassword stored) {
        boolean acquired;
        try {
            acquired = hashingSlots.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PasswordChecksBusyException();
        }
        if (!acquired) {
            throw new PasswordChecksBusyException();
        }
        try {
            pbkdf2Runs.incrementAndGet();
            return stored.matches(password);
        } finally {
            hashingSlots.release();
        }
    }

    /** Each part length-prefixed, so no two different (user, password) pairs give the same bytes. */
    private String rememberKey(String username, String password, SecretHash.HashedPassword stored) {
        MessageDigest sha = SecretHash.newSha256();
        sha.update(processSalt);
        updateLengthPrefixed(sha, username.getBytes(StandardCharsets.UTF_8));
        updateLengthPrefixed(sha, password.getBytes(StandardCharsets.UTF_8));
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(stored.iterations()).array());
        updateLengthPrefixed(sha, stored.salt());
        updateLengthPrefixed(sha, stored.hash());
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void updateLengthPrefixed(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        sha.update(bytes);
    }
}
