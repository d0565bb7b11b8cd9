package stargate.node.plugin;

import java.util.Locale;
import java.util.Set;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;

/** {@link Response} over Helidon's response headers, refusing edits of the headers the proxy owns. */
final class ResponseHeaders implements Response {
    private static final Set<String> OWNED = Set.of("content-length", "transfer-encoding", "connection", "keep-alive",
            "proxy-connection", "te", "trailer", "upgrade");

    private final int status;
    private final ServerResponseHeaders headers;

    ResponseHeaders(int status, ServerResponseHeaders headers) {
        this.status = status;
        this.headers = headers;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public String header(String name) {
        return headers.first(HeaderNames.create(name)).orElse(null);
    }

    @Override
    public void setHeader(String name, String value) {
        headers.set(HeaderNames.create(writable(name)), value);
    }

    @Override
    public void addHeader(String name, String value) {
        headers.add(HeaderNames.create(writable(name)), value);
    }

    @Override
    public void removeHeader(String name) {
        headers.remove(HeaderNames.create(writable(name)));
    }

    private static String writable(String name) {
        if (OWNED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("response header " + name + " is set by the proxy and cannot be edited by a plugin");
        }
        return name;
    }
}
