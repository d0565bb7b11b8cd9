package stargate.node.listener;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import stargate.node.balancer.PickContext;

/**
 * The balancer's view of a request; each value is read only if the balancer asks for it.
 *
 * @param path the normalized path (SPEC §13), so {@code hash_on: path} puts {@code /a/../b} with {@code /b}
 */
record RequestPickContext(ServerRequest req, String path) implements PickContext {
    @Override
    public String clientIp() {
        return req.remotePeer().host();
    }

    @Override
    public String header(String lowerName) {
        return req.headers().first(HeaderNames.create(lowerName)).orElse(null);
    }

    @Override
    public String cookie(String name) {
        return req.headers().cookies().first(name).orElse(null);
    }
}
