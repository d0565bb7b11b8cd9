package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request's Host, tried as an attacker would: absent, twice, empty, with characters no host name has
 * ({@code @}, a space, obs-text, a broken percent escape), with a port that is not a number. Each is one 400
 * {@code bad_request} and the connection ends; the host names, IP addresses and IP literals a client may send
 * are served. Host decides the route, so an odd one must never reach the router.
 */
class HostHeaderTest {
    private static final List<String> REFUSED = List.of(
            "",                                   // no Host at all (HTTP/1.1 requires one)
            "Host: a\r\nHost: b\r\n",             // two
            "Host: \r\n",                         // empty
            "Host: evil.test@good.test\r\n",
            "Host: good.test/evil\r\n",
            "Host: a b\r\n",
            "Host: good.test:80x\r\n",
            "Host: good.test:+80\r\n",
            "Host: good.test:\r\n",
            "Host: [::1\r\n",
            "Host: [::1]x\r\n",
            "Host: [not-an-ip]\r\n",
            "Host: ex%4mple.test\r\n",
            "Host: ex%zzmple.test\r\n",
            "Host: ex\u00e4mple.test\r\n",          // obs-text: one octet 0xE4 on the wire
            "Host: a\"b\r\n",
            "Host: a<b>\r\n");
    private static final List<String> SERVED = List.of(
            "Host: good.test\r\n", "Host: good.test:8080\r\n", "Host: 127.0.0.1\r\n", "Host: 127.0.0.1:80\r\n",
            "Host: [::1]\r\n", "Host: [::1]:8080\r\n", "Host: GOOD.test\r\n", "Host: ex%41mple.test\r\n",
            "Host: a-b_c~d.test\r\n", "Host: 555.555.555.555\r\n", "Host: a!$&'()*+,;=b\r\n");

    @Test
    void oddHostsAreOne400AndTheConnectionEnds(@TempDir Path dir) throws Exception {
        WebServer backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, config(backend.port()))) {
            for (String host : REFUSED) {
                String exchange = send(node, "GET /a HTTP/1.1\r\n" + host + "\r\nGET /a HTTP/1.1\r\nHost: good.test\r\n\r\n");
                assertTrue(exchange.startsWith("HTTP/1.1 400 "), host + " -> " + exchange);
                assertTrue(exchange.contains("\"error\":\"bad_request\""), host + " -> " + exchange);
                assertEquals(1, exchange.split("HTTP/1.1 ", -1).length - 1, "one answer, then the connection ends: " + exchange);
            }
            for (String host : SERVED) {
                String exchange = send(node, "GET /a HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
                assertTrue(exchange.startsWith("HTTP/1.1 200 "), host + " -> " + exchange);
            }
        } finally {
            backend.stop();
        }
    }

    private static String config(int port) {
        return """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(port);
    }

    /** Writes the bytes (each char one octet) and reads until the node closes the connection. */
    private static String send(RunningNode node, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", node.node.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
