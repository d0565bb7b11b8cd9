package stargate.node.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import stargate.model.Upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Answers written past Helidon's response layer ({@link DirectResponse}): the exact bytes the client gets,
 * keep-alive and close, bodiless answers, large bodies, and that the path is on at all (it reads private
 * fields of Helidon 4.5: an upgrade that renames them fails here first).
 */
class DirectResponseTest {
    private static ProxyFront front;
    private FakeUpstream upstream;

    @BeforeAll
    static void startFront() {
        front = new ProxyFront();
    }

    @AfterAll
    static void stopFront() {
        front.close();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        front.edits = () -> null;
        if (upstream != null) {
            front.pool.close();
            upstream.close();
        }
    }

    /** An upstream answering every request with {@code answer} (ISO-8859-1), keeping the connection. */
    private void upstream(String answer) throws Exception {
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.write(out, answer);
            return true;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
    }

    @Test
    void theDirectPathIsOnWithThisHelidon() {
        assertTrue(DirectResponse.available(), "Helidon's Http1ServerResponse fields were not found");
    }

    @Test
    void headIsTheUpstreamsFieldsAsSentPlusLengthAndRequestId() throws Exception {
        upstream("HTTP/1.1 200 OK\r\nServer: up\r\nDate: Mon, 07 Dec 2026 10:00:00 GMT\r\nX-Latin: caf\u00e9 \u00ff\r\n"
                + "Keep-Alive: timeout=5\r\nConnection: X-Hop\r\nX-Hop: secret\r\nX-Request-Id: from-upstream\r\n"
                + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\nhello");
        try (Client client = new Client()) {
            client.send("GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: req-1\r\n\r\n");
            String head = client.head();
            assertEquals("HTTP/1.1 200 OK\r\nServer: up\r\nDate: Mon, 07 Dec 2026 10:00:00 GMT\r\n"
                    + "X-Latin: caf\u00e9 \u00ff\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n"
                    + "X-Request-Id: req-1\r\n\r\n", head, "obs-text byte for byte, hop-by-hop fields gone, no keep-alive field");
            assertEquals("hello", client.body(5));
        }
    }

    @Test
    void aDateIsAddedWhenTheUpstreamSentNone() throws Exception {
        upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            String head = client.head();
            assertTrue(head.matches("(?s).*\r\nDate: \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n.*"), head);
            assertEquals("ok", client.body(2));
        }
    }

    @Test
    void connectionCloseFromTheClientIsAnswered() throws Exception {
        upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertTrue(client.head().endsWith("\r\nConnection: close\r\n\r\n"));
            assertEquals("ok", client.body(2));     // closing the connection then is the listener's (ProxyHandler)
        }
    }

    @Test
    void aCodeHelidonDoesNotKnowKeepsTheUpstreamsReason() throws Exception {
        upstream("HTTP/1.1 599 Custom Thing\r\nContent-Length: 0\r\n\r\n");
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().startsWith("HTTP/1.1 599 Custom Thing\r\nContent-Length: 0\r\n"));
        }
    }

    @Test
    void bodilessAnswersKeepTheConnectionInStep() throws Exception {
        upstream = FakeUpstream.http((request, out) -> {
            switch (request.target()) {
                case "/no-content" -> FakeUpstream.write(out, "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
                case "/not-modified" -> FakeUpstream.write(out, "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n");
                default -> FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
                        + (request.method().equals("HEAD") ? "" : "body"));
            }
            return true;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        try (Client client = new Client()) {
            client.send("GET /no-content HTTP/1.1\r\nHost: a\r\n\r\n");
            String noContent = client.head();
            assertTrue(noContent.startsWith("HTTP/1.1 204 No Content\r\nX-A: 1\r\n"), noContent);
            assertFalse(noContent.contains("Content-Length"), "RFC 9110 §8.6: no Content-Length on a 204");
            client.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().contains("\r\nContent-Length: 4\r\n"), "HEAD tells the GET's length");
            client.send("GET /not-modified HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().startsWith("HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n"));
            client.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().startsWith("HTTP/1.1 200 OK\r\n"));
            assertEquals("body", client.body(4), "no stray bytes from the bodiless answers on the connection");
        }
    }

    @Test
    void aLargeBodyArrivesWholeAndTheConnectionIsReused() throws Exception {
        byte[] large = new byte[300_000];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) ('a' + i % 26);
        }
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + large.length + "\r\n\r\n");
            out.write(large);
            return true;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        try (Client client = new Client()) {
            for (int round = 0; round < 3; round++) {
                client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
                assertTrue(client.head().contains("\r\nContent-Length: 300000\r\n"));
                assertTrue(Arrays.equals(large, client.bytes(large.length)), "round " + round);
            }
        }
        assertEquals(1, upstream.connections.get(), "the upstream connection went back to the pool each time");
    }

    @Test
    void anUpstreamThatDiesMidBodyCutsTheClientConnection() throws Exception {
        upstream = FakeUpstream.raw((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(40_000));
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().contains("\r\nContent-Length: 100000\r\n"));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            client.in.transferTo(got);
            assertTrue(got.size() < 100_000, "the client sees a truncated answer (" + got.size() + " bytes), then EOF");
        }
    }

    @Test
    void pluginsEditTheHeadOnItsWayPastHelidon() throws Exception {
        upstream("HTTP/1.1 200 OK\r\nServer: up\r\nX-Drop: 1\r\nX-Keep: 2\r\nContent-Length: 2\r\n\r\nok");
        String[] seenRequestId = new String[1];
        front.edits = () -> {
            ForwardEdits edits = new ForwardEdits();
            edits.responseHook((status, fields) -> {
                seenRequestId[0] = fields.first("x-request-id");
                fields.set("Server", "gateway");
                fields.remove("X-Drop");
                fields.add("RateLimit-Remaining", "9");
                fields.add("Vary", "Origin");
                fields.add("Vary", "Accept");
            });
            return edits;
        };
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: rid-7\r\n\r\n");
            String head = client.head();
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\nX-Keep: 2\r\nX-Request-Id: rid-7\r\nServer: gateway\r\n"
                    + "RateLimit-Remaining: 9\r\nVary: Origin\r\nVary: Accept\r\nContent-Length: 2\r\nDate: "), head);
            assertEquals(1, head.split("X-Request-Id", -1).length - 1, head);
            assertEquals("rid-7", seenRequestId[0], "the request id is there for plugins, as on Helidon's path");
        }
    }

    @Test
    void aPluginValueThatWouldSplitTheHeadIsRefused() throws Exception {
        upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        front.edits = () -> {
            ForwardEdits edits = new ForwardEdits();
            edits.responseHook((status, fields) -> fields.set("X-Evil", "a\r\nSet-Cookie: stolen=1"));
            return edits;
        };
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            String head = client.head();
            assertTrue(head.startsWith("HTTP/1.1 500 "), head);
            assertFalse(head.contains("stolen"), head);
        }
        front.edits = () -> null;
        try (Client client = new Client()) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(client.head().startsWith("HTTP/1.1 200 OK\r\n"));
            assertEquals("ok", client.body(2));
        }
        assertEquals(2, upstream.connections.get(), "the connection with the unread body was not pooled");
    }

    /** A raw keep-alive client connection to the front. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client() throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), front.port());
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(String request) throws IOException {
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The response head through its blank line, as ISO-8859-1. */
        String head() throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the head: " + head);
                }
                head.append((char) b);
            }
            return head.toString();
        }

        String body(int length) throws IOException {
            return new String(bytes(length), StandardCharsets.ISO_8859_1);
        }

        byte[] bytes(int length) throws IOException {
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new IOException("body ended after " + body.length + " of " + length + " bytes");
            }
            return body;
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket the node closed
            }
        }
    }
}
