package stargate.node.plugin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import stargate.model.Consumer;
import stargate.model.Route;

/**
 * An {@link IncomingRequest} made of plain values, and the exchanges built on it: runs a plugin
 * with no socket (the plugin tests' {@code EmbeddedChannel}).
 */
public final class TestRequest implements IncomingRequest {
    public static final Route ROUTE = Route.of("r1", List.of("/users/{id}"), "svc");

    private final String method;
    private final String rawPath;
    private final String rawQuery;
    private final List<String[]> headers = new ArrayList<>();
    private InetAddress client;
    private long contentLength = -1;

    private TestRequest(String method, String pathAndQuery) {
        this.method = method;
        int q = pathAndQuery.indexOf('?');
        this.rawPath = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        this.rawQuery = q < 0 ? "" : pathAndQuery.substring(q + 1);
        client("127.0.0.1");
    }

    public static TestRequest get(String pathAndQuery) {
        return new TestRequest("GET", pathAndQuery);
    }

    public static TestRequest of(String method, String pathAndQuery) {
        return new TestRequest(method, pathAndQuery);
    }

    public TestRequest header(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    public TestRequest client(String address) {
        try {
            client = InetAddress.getByName(address);        // literals only: no DNS
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    public TestRequest contentLength(long length) {
        contentLength = length;
        return this;
    }

    /** An exchange on {@link #ROUTE} with these consumers. */
    public Exchange exchange(Consumer... consumers) {
        return exchange(Map.of(), consumers);
    }

    public Exchange exchange(Map<String, String> pathParams, Consumer... consumers) {
        return new Exchange(this, ROUTE, pathParams, "req-1", Credentials.of(List.of(consumers)));
    }

    /** Runs {@code plugin}'s request phase as an AUTH stage would (so it may authenticate). */
    public static Verdict runAuth(Plugin plugin, Exchange exchange) {
        exchange.current = Stage.of("under-test", Phase.AUTH, plugin);
        try {
            return plugin.onRequest(exchange);
        } finally {
            exchange.current = null;
        }
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String rawPath() {
        return rawPath;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public String header(String name) {
        List<String> all = headers(name);
        return all.isEmpty() ? null : all.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    @Override
    public InetAddress clientAddress() {
        return client;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }
}
