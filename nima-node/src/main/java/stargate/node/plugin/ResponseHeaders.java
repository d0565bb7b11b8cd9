package stargate.node.plugin;

import java.util.Locale;
import java.util.Set;

import stargate.node.proxy.ResponseFields;

/** {@link Response} over a response's fields, refusing edits of the headers the proxy owns. */
final class ResponseHeaders implements Response {
    private static final Set<String> OWNED = Set.of("content-length", "transfer-encoding", "connection", "keep-alive",
            "proxy-connection", "te", "trailer", "upgrade");

    private final int status;
    private final ResponseFields headers;

    ResponseHeaders(int status, ResponseFields headers) {
        this.status = status;
        this.headers = headers;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public String header(String name) {
        return headers.first(name);
    }

    @Override
    public void setHeader(String name, String value) {
        headers.set(writable(name), value);
    }

    @Override
    public void addHeader(String name, String value) {
        headers.add(writable(name), value);
    }

    @Override
    public void removeHeader(String name) {
        headers.remove(writable(name));
    }

    private static String writable(String name) {
        if (OWNED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("response header " + name + " is set by the proxy and cannot be edited by a plugin");
        }
        return name;
    }
}
