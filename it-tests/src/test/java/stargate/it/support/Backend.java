package stargate.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A loopback upstream for the end-to-end tests: every request answered 200 with a body made from it. */
public final class Backend {
    private Backend() {
    }

    /** Answers each request with its path (which route rewrote what shows in the body). */
    public static HttpServer echoingPath() {
        return start(exchange -> exchange.getRequestURI().getPath());
    }

    /** @param body the answer's body for a request; the server runs on a free port, one virtual thread per request */
    public static HttpServer start(Function<HttpExchange, String> body) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                byte[] bytes = body.apply(exchange).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
