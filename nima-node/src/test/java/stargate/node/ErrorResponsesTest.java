package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every client-visible error of SPEC §5 that the node produces without plugins, over real sockets. */
class ErrorResponsesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static RunningNode node;
    /** Accepts connections and never answers: a hung upstream. */
    static ServerSocket silent;
    static final List<Socket> held = new ArrayList<>();
    static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept());
                }
            } catch (Exception closed) {
                // test over
            }
        });
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort(); // nothing listens here once closed
        }
        node = RunningNode.start(dir, """
                routes:
                  - {id: hangs, paths: [/hangs], upstream: silent, timeouts: {read: 500ms}}
                  - {id: refused, paths: [/refused], upstream: nowhere}
                  - {id: drained, paths: [/drained], upstream: drained}
                upstreams:
                  - id: silent
                    targets: [{url: "http://127.0.0.1:%d"}]
                  - id: nowhere
                    targets: [{url: "http://127.0.0.1:%d"}]
                  - id: drained
                    targets: [{url: "http://127.0.0.1:%d", weight: 0}]
                """.formatted(silent.getLocalPort(), closedPort, closedPort));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
        silent.close();
        for (Socket s : held) {
            s.close();
        }
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String error) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        JsonNode body = JSON.readTree(response.body());
        assertEquals(status, body.get("status").asInt());
        assertEquals(error, body.get("error").asText());
        assertTrue(body.get("request_id").asText().length() >= 16, "a generated request id: " + body);
        return body;
    }

    @Test
    void refusedConnectionIs502UpstreamUnreachable() throws Exception {
        assertError(node.get("/refused"), 502, "upstream_unreachable");
    }

    @Test
    void hungUpstreamIs504AfterTheReadTimeout() throws Exception {
        long start = System.nanoTime();
        assertError(node.get("/hangs"), 504, "upstream_timeout");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 450 && millis < 5_000, "answered after " + millis + " ms");
    }

    @Test
    void upstreamWithNoEligibleTargetIs503() throws Exception {
        assertError(node.get("/drained"), 503, "no_healthy_upstream");
    }

    @ParameterizedTest
    @ValueSource(ints = {20_000, 70_000, 300_000})
    void oversizedHeadersAre431JsonAtAnySize(int size) throws Exception {
        String answer = raw("GET /refused HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(size) + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
        assertTrue(answer.contains("\"error\":\"headers_too_large\""), answer);
    }

    @Test
    void headersJustUnderTheLimitAreServed() throws Exception {
        String answer = raw("GET /refused HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(15_000) + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 502"), answer);      // routed: the upstream is down
    }

    @Test
    void connectionCloseFromTheClientClosesTheConnectionAfterTheAnswer() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
            socket.setSoTimeout(5_000);     // a read that times out fails the test: the node kept it open
            socket.getOutputStream().write("GET /drained HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        }
    }

    @Test
    void malformedRequestIs400() throws Exception {
        String answer = raw("GET /refused HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    }

    /**
     * Sends raw bytes and returns what the node answers (up to 4 KiB). The node may answer and close
     * before it has read everything (a head far over the limit): the write then fails, the answer stands.
     */
    private static String raw(String request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (java.net.SocketException closedEarly) {
                // read the answer below
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            int n = in.read(buffer);
            return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
        }
    }
}
