package stargate.node.proxy;

import java.util.concurrent.ThreadLocalRandom;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The exchange's {@code X-Request-Id}: the client's own if it sent a sane one, else a new random
 * 128-bit id in hex. The same id goes upstream, back to the client, into error bodies and the access log.
 */
public final class RequestId {
    static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    /** Longer (or non-printable) incoming ids are replaced: they would bloat logs or inject into them. */
    private static final int MAX_LENGTH = 128;

    private RequestId() {
    }

    /** @return the incoming {@code X-Request-Id} if present and printable ASCII of at most 128 chars, else a new id */
    public static String of(ServerRequest req) {
        String incoming = req.headers().first(HEADER).orElse(null);
        return isSane(incoming) ? incoming : generate();
    }

    /**
     * A new id: 32 lowercase hex digits from {@link ThreadLocalRandom} (no contention, no entropy
     * pool; ids need uniqueness, not unpredictability).
     */
    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] id = new byte[32];
        Hex.put(id, 0, random.nextLong());
        Hex.put(id, 16, random.nextLong());
        return Hex.text(id);
    }

    /** Whether a client-sent id is kept: printable ASCII, 1..128 characters. */
    public static boolean isSane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
