package stargate.node.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

/**
 * A response header name read from an upstream, with what the proxy needs of it worked out once: its
 * lower-case form, Helidon's {@link HeaderName}, and whether it never crosses to the client.
 *
 * <p>Upstreams send the same few names on every response, so names are interned by their bytes in a
 * small fixed table ({@link #of}): parsing a response head then makes no String, lower-cased copy or
 * HeaderName per field. The table is bounded (fixed slots, a colliding name replaces the old one, names
 * over {@link #MAX_CACHED} bytes are never kept), so an upstream sending new names costs allocations,
 * never memory. Entries are immutable; racing writers of a slot each leave a valid entry.
 */
final class FieldName {
    private static final int SLOTS = 512;
    private static final int MAX_CACHED = 64;
    private static final FieldName[] TABLE = new FieldName[SLOTS];

    private final byte[] bytes;
    final String name;
    final String lower;
    final HeaderName headerName;
    /** Hop-by-hop (RFC 9110 §7.6.1), or one the proxy sets itself: never copied to the client. */
    final boolean notForwarded;

    private FieldName(byte[] bytes) {
        this.bytes = bytes;
        this.name = new String(bytes, StandardCharsets.ISO_8859_1);
        this.lower = name.toLowerCase(Locale.ROOT);
        this.headerName = HeaderNames.create(lower, name);
        this.notForwarded = HopByHopHeaders.isHopByHop(lower, java.util.List.of())
                || lower.equals("content-length") || lower.equals("x-request-id");
    }

    /** The name in {@code buffer[from, to)}, as sent (validated by the caller). */
    static FieldName of(byte[] buffer, int from, int to) {
        int length = to - from;
        if (length > MAX_CACHED) {
            return new FieldName(Arrays.copyOfRange(buffer, from, to));
        }
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + buffer[i];
        }
        int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
        FieldName cached = TABLE[slot];
        if (cached != null && Arrays.equals(cached.bytes, 0, cached.bytes.length, buffer, from, to)) {
            return cached;
        }
        FieldName fresh = new FieldName(Arrays.copyOfRange(buffer, from, to));
        TABLE[slot] = fresh;
        return fresh;
    }

    /** The name's octets as sent. */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return name;
    }
}
