package stargate.node.plugin.proxycache;

import java.util.List;

/**
 * A stored response, as the upstream sent it.
 *
 * @param headers     end-to-end headers as {name, value}, without {@code Content-Type}, {@code Age},
 *                    {@code X-Request-Id} and framing (set per answer)
 * @param contentType the {@code Content-Type}, or null
 * @param storedAt    when it was stored (nanoTime)
 * @param expiresAt   when it stops being fresh (nanoTime)
 * @param ageAtStore  its {@code Age} when stored, in seconds (a cache upstream may have held it)
 */
record CachedResponse(int status, List<String[]> headers, String contentType, byte[] body, long storedAt,
                      long expiresAt, long ageAtStore) {
}
