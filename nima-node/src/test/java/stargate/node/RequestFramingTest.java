package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request smuggling, tried as an attacker would: a body whose framing the node cannot read must end
 * the connection with one 400, and nothing after it may reach an upstream as a request of its own.
 * The upstream here is a raw socket that records every byte it receives.
 */
class RequestFramingTest {
    private static final String SMUGGLED = "GET /plain/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    private RecordingUpstream upstream;

    @BeforeEach
    void startUpstream() throws IOException {
        upstream = new RecordingUpstream();
    }

    @AfterEach
    void stopUpstream() throws IOException {
        upstream.close();
    }

    private String config() {
        return """
                routes:
                  - {id: plain, paths: ["/plain/*"], upstream: raw}
                  - {id: with-plugins, paths: ["/plugins/*"], upstream: raw, plugins: {request-id: {}}}
                  - {id: denied, paths: ["/denied/*"], upstream: raw, plugins: {ip-restriction: {deny: ["127.0.0.1"]}}}
                  - {id: limited, paths: ["/limited/*"], upstream: raw, plugins: {request-size-limit: {max_body_size: 8}}}
                upstreams:
                  - id: raw
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(upstream.port());
    }

    @Test
    void aBrokenChunkLineIsOne400AndTheConnectionEnds(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config())) {
            for (String route : List.of("/plain/a", "/plugins/a")) {
                for (String chunkLine : List.of("ZZ", "5;x", "-5", "0x5", "ffffffffffffffff1")) {
                    String exchange = send(node, "POST " + route + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + chunkLine + "\r\n" + SMUGGLED);
                    String what = route + " with chunk line " + chunkLine + ": " + exchange;
                    assertTrue(exchange.startsWith("HTTP/1.1 400 "), what);
                    assertTrue(exchange.contains("\"error\":\"bad_request\""), what);
                    assertEquals(1, count(exchange, "HTTP/1.1 "), "exactly one answer, then the connection ends: " + what);
                    assertFalse(exchange.contains("radix"), "no parser internals in the answer: " + what);
                }
            }
            assertFalse(upstream.received().contains("/smuggled"), upstream.received());
        }
    }

    @Test
    void aBodyRefusedUnreadIsNeverParsedAsTheNextRequest(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config())) {
            for (String framing : List.of("Content-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                    "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n")) {
                String exchange = send(node, "POST /limited/a HTTP/1.1\r\nHost: x\r\n" + framing);
                assertTrue(exchange.startsWith("HTTP/1.1 413 "), exchange);
                assertEquals(1, count(exchange, "HTTP/1.1 "), exchange);
            }
            assertFalse(upstream.received().contains("/smuggled"), upstream.received());
        }
    }

    @Test
    void aBodyLeftUnreadByARejectionIsSkippedNotParsed(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
            socket.setSoTimeout(10_000);
            String chunked = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
            socket.getOutputStream().write(("POST /denied/a HTTP/1.1\r\nHost: x\r\nContent-Length: " + SMUGGLED.length()
                    + "\r\n\r\n" + SMUGGLED + "POST /denied/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
                    + "GET /plain/next HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertTrue(RunningNode.readResponse(in).startsWith("HTTP/1.1 403 "));
            assertTrue(RunningNode.readResponse(in).startsWith("HTTP/1.1 403 "));
            String third = RunningNode.readResponse(in);
            assertTrue(third.startsWith("HTTP/1.1 200 "), "the next real request is the third answer: " + third);
            assertTrue(upstream.received().contains("/plain/next"), upstream.received());
            assertFalse(upstream.received().contains("/smuggled"), upstream.received());
        }
    }

    @Test
    void ambiguousFramingIsRefusedBeforeAnyUpstreamSeesIt(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config())) {
            List<String> heads = List.of(
                    "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                    "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                    "Content-Length: 5\r\nContent-Length: 6\r\n",
                    "Transfer-Encoding: chunked, identity\r\n",
                    "Transfer-Encoding : chunked\r\n");
            String http10 = send(node, "POST /plain/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED);
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing. Helidon 4.5 speaks no HTTP/1.0 at
            // all: the connection is closed unanswered. Either way nothing may go upstream (checked below).
            assertTrue(http10.isEmpty() || http10.startsWith("HTTP/1.1 505 ") || http10.startsWith("HTTP/1.1 400 "), http10);
            for (String head : heads) {
                String exchange = send(node, "POST /plain/a HTTP/1.1\r\nHost: x\r\n" + head + "\r\n0\r\n\r\n" + SMUGGLED);
                assertTrue(exchange.startsWith("HTTP/1.1 4") || exchange.startsWith("HTTP/1.1 501"), head + ": " + exchange);
                assertEquals(1, count(exchange, "HTTP/1.1 "), head + ": " + exchange);
            }
            assertEquals("", upstream.received(), "nothing reached the upstream");
        }
    }

    @Test
    void aWellFormedChunkedBodyStillGoesThrough(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config())) {
            String exchange = send(node, "POST /plain/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
            assertTrue(exchange.startsWith("HTTP/1.1 200 "), exchange);
            assertTrue(upstream.received().contains("hello"), upstream.received());
        }
    }

    /** Sends raw bytes, reads until the node closes the connection (or 10 s pass: then the test fails). */
    private static String send(RunningNode node, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                out.write("[the node kept the connection open]".getBytes(StandardCharsets.US_ASCII));
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Answers every read with a 200 and keeps every byte it was sent. */
    private static final class RecordingUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final StringBuffer received = new StringBuffer();

        RecordingUpstream() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread.ofVirtual().start(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket socket) {
            try (socket) {
                byte[] buffer = new byte[8192];
                for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                    received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the node closed or dropped it
            }
        }

        int port() {
            return server.getLocalPort();
        }

        String received() {
            return received.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
