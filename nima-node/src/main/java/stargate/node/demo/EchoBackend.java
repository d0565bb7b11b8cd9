package stargate.node.demo;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A tiny backend that answers every request with its name and what it received, as JSON:
 * {@code {"backend":"blue","method":"GET","path":"/x","x_forwarded_for":"…","x_request_id":"…"}}.
 * The demo runs two; tests use it as a real loopback upstream.
 */
public final class EchoBackend {
    private EchoBackend() {
    }

    /** Starts one on {@code host:port} (port 0 = any free port); stop it with {@link WebServer#stop()}. */
    public static WebServer start(String name, String host, int port) {
        return WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .routing(r -> r.any((ServerRequest req, ServerResponse res) -> {
                    req.content().consume();
                    StringBuilder body = new StringBuilder(256).append('{');
                    field(body, "backend", name).append(',');
                    field(body, "method", req.prologue().method().text()).append(',');
                    field(body, "path", req.path().rawPath() + (req.query().isEmpty() ? "" : "?" + req.query().rawValue())).append(',');
                    field(body, "host", req.authority()).append(',');
                    field(body, "x_forwarded_for", req.headers().first(HeaderNames.X_FORWARDED_FOR).orElse("")).append(',');
                    field(body, "x_request_id", req.headers().first(HeaderNames.create("X-Request-Id")).orElse(""));
                    body.append("}\n");
                    res.header(HeaderNames.CONTENT_TYPE, "application/json").send(body.toString());
                }))
                .build()
                .start();
    }

    private static StringBuilder field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, out);
        return out.append('"');
    }
}
