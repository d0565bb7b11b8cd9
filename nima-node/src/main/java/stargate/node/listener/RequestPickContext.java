package stargate.node.listener;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import stargate.node.balancer.PickContext;
import stargate.node.proxy.ClientAddress;

/**
 * The balancer's view of a request; each value is read only if the balancer asks for it.
 *
 * @param path   the normalized path (SPEC §13), so {@code hash_on: path} puts {@code /a/../b} with {@code /b}
 * @param client the client address (SPEC §13), for {@code ip-hash} and {@code hash_on: ip}
 */
record RequestPickContext(ServerRequest req, String path, ClientAddress client) implements PickContext {
    @Override
    public String clientIp() {
        return client.clientIp();
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
