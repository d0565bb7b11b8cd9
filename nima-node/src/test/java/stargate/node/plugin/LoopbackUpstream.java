package stargate.node.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

import com.sun.net.httpserver.HttpServer;

/**
 * A loopback upstream for node-level plugin tests: answers 200 with its name as the body, and
 * records each request it received (method, target, headers, body size).
 */
public final class LoopbackUpstream implements AutoCloseable {
    /** One received request; header names lower-case. */
    public record Seen(String method, String target, Map<String, List<String>> headers, long bodyBytes) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return values == null ? null : values.get(0);
        }
    }

    private final HttpServer server;
    public final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    public LoopbackUpstream(String name) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            long bodyBytes;
            try (InputStream body = exchange.getRequestBody()) {
                bodyBytes = body.transferTo(java.io.OutputStream.nullOutputStream());
            }
            Map<String, List<String>> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, bodyBytes));
            byte[] answer = name.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Server", "loopback");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
