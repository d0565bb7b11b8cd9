package stargate.node.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run with {@code EVALSHA}, by its SHA-1 (what Redis names it by), so a decision sends a
 * few bytes, not the script; {@link Redis} sends the source once when Redis does not know it yet
 * (first use, after a restart or a failover).
 *
 * @param source the Lua text
 * @param sha1   its SHA-1, lowercase hex
 */
public record Script(String source, String sha1) {
    /** The script in resource {@code name} beside {@code owner}. */
    public static Script resource(Class<?> owner, String name) {
        try (var in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing beside " + owner.getName());
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Script of(String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new Script(source, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
