package stargate.node.plugin;

import java.net.InetAddress;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import stargate.node.proxy.ClientAddress;

/**
 * The client's request as plugins read it: what arrived, before any plugin edits. Header names are
 * case-insensitive. {@link #of} adapts Helidon's request; tests implement it directly.
 */
public interface IncomingRequest {
    String method();

    /**
     * The path as routed and forwarded, without the query: normalized (SPEC §13, so never holding
     * {@code ..} segments or {@code //}) and still percent-encoded apart from unreserved characters.
     */
    String rawPath();

    /** The raw query after {@code ?}, or an empty string. */
    String rawQuery();

    /** The first value of header {@code name}, or null. */
    String header(String name);

    /** Every value of header {@code name}, in arrival order; empty when absent. */
    List<String> headers(String name);

    /**
     * The client's address: the peer that connected, or the client behind it when that peer is a trusted
     * proxy (SPEC §13; never a forwarded-for header from anyone else, which clients control).
     */
    InetAddress clientAddress();

    /** The {@code Content-Length}, or -1 when the request has none. */
    long contentLength();

    /**
     * Whether the request is one stream of a multiplexed (HTTP/2) connection: closing "the connection"
     * after answering it would cut the client's other requests, and {@code Connection} is not an HTTP/2 field.
     */
    default boolean multiplexed() {
        return false;
    }

    /**
     * Reads through to Helidon's request; allocates nothing up front.
     *
     * @param path   the request's normalized path, which plugins see instead of the one the client sent
     * @param client the client address (SPEC §13)
     */
    static IncomingRequest of(ServerRequest req, String path, ClientAddress client) {
        return new IncomingRequest() {
            @Override
            public String method() {
                return req.prologue().method().text();
            }

            @Override
            public String rawPath() {
                return path;
            }

            @Override
            public String rawQuery() {
                String raw = req.query().rawValue();
                return raw == null ? "" : raw;
            }

            @Override
            public String header(String name) {
                return req.headers().first(HeaderNames.create(name)).orElse(null);
            }

            @Override
            public List<String> headers(String name) {
                return req.headers().values(HeaderNames.create(name));
            }

            @Override
            public InetAddress clientAddress() {
                return client.client();
            }

            @Override
            public long contentLength() {
                return req.headers().contentLength().orElse(-1);
            }

            @Override
            public boolean multiplexed() {
                return !req.prologue().protocolVersion().startsWith("1");
            }
        };
    }
}
