package stargate.node.proxy;

import java.util.List;
import java.util.Set;

/**
 * Header fields that describe one connection, not the message, so a proxy never forwards them
 * (RFC 9110 §7.6.1): {@code Connection}, every field it names, and the fixed list below.
 * {@code Proxy-Connection} is not standard but widely sent; {@code Transfer-Encoding} and
 * {@code Content-Length} are re-framed by each side.
 */
final class HopByHopHeaders {
    /** Lower-case names that never cross the proxy. */
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    private HopByHopHeaders() {
    }

    /**
     * @param lowerCaseName    the field name in lower case
     * @param connectionTokens lower-case names listed in the message's {@code Connection} field
     */
    static boolean isHopByHop(String lowerCaseName, List<String> connectionTokens) {
        return ALWAYS.contains(lowerCaseName) || (!connectionTokens.isEmpty() && connectionTokens.contains(lowerCaseName));
    }
}
