package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client protection (SPEC §14), tried as an attacker would: trickled heads, stalled bodies, silent
 * connections and one address opening too many, while a well-behaved client from another loopback
 * address keeps being served. Bounded: a few hundred sockets, timeouts of a second or two.
 */
class ClientProtectionTest {
    private static final InetAddress ATTACKER;
    private static final InetAddress CLIENT;

    static {
        try {
            ATTACKER = InetAddress.getByName("127.0.0.2");   // all of 127/8 is loopback on Linux
            CLIENT = InetAddress.getByName("127.0.0.1");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private WebServer backend;

    @BeforeEach
    void startBackend() {
        backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
    }

    @AfterEach
    void stopBackend() {
        backend.stop();
    }

    private String config() {
        return """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backend.port());
    }

    @Test
    void aTrickledHeadIsAnswered408AndClosed(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config(), "--client-header-timeout", "1s");
             Socket socket = connect(node, ATTACKER)) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: a\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(socket);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(answer.contains("\"error\":\"client_timeout\""), answer);
            assertTrue(tookMs >= 900 && tookMs < 8_000, "closed after the header timeout, took " + tookMs + " ms");
            assertEquals(1, rejected(node, "header_timeout"));
        }
    }

    @Test
    void http2ConnectionsOutliveTheHeadDeadline(@TempDir Path dir) throws Exception {
        // the deadline runs from the connection's start: 1 s was outlasted on a busy box by the JDK client's
        // own first request (answered 408), so 3 s, and the connections are then held idle past it
        try (RunningNode node = RunningNode.start(dir, config(), "--client-header-timeout", "3s");
             Socket priorKnowledge = connect(node, CLIENT)) {
            // h2c by prior knowledge: the preface and an empty SETTINGS frame, then nothing for a while
            priorKnowledge.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            priorKnowledge.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            // h2c by Upgrade (the JDK client's way on http), then the same connection kept open
            java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_2).build();
            HttpResponse<String> first = h2.send(java.net.http.HttpRequest.newBuilder(node.url("/one")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, first.statusCode());
            assertEquals(java.net.http.HttpClient.Version.HTTP_2, first.version());
            Thread.sleep(4_000);
            assertEquals(0, rejected(node, "header_timeout"), "no HTTP/2 connection is held to HTTP/1's head deadline");
            assertEquals(200, h2.send(java.net.http.HttpRequest.newBuilder(node.url("/two")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void aStalledBodyIsCutAndTheNodeKeepsServing(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config(), "--client-body-timeout", "1s");
             Socket socket = connect(node, ATTACKER)) {
            socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n"
                    + "x".repeat(100)).getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            readUntilClosed(socket);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 900 && tookMs < 8_000, "cut after the body timeout, took " + tookMs + " ms");
            assertEquals(1, rejected(node, "body_timeout"));
            assertEquals(200, node.get("/after").statusCode());
        }
    }

    @Test
    void aStalledBodyHoldsItsUpstreamConnectionNoLongerThanTheBodyTimeout(@TempDir Path dir) throws Exception {
        // an upstream that reads what it gets and notes when the node closes the connection
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, CLIENT)) {
            java.util.concurrent.CompletableFuture<Long> upstreamHeld = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (Socket conn = upstream.accept()) {
                    InputStream in = conn.getInputStream();
                    in.read();      // the request head (and the body's first bytes) arrived
                    long opened = System.nanoTime();
                    in.transferTo(java.io.OutputStream.nullOutputStream());     // until the node closes it
                    upstreamHeld.complete((System.nanoTime() - opened) / 1_000_000);
                } catch (IOException e) {
                    upstreamHeld.completeExceptionally(e);
                }
            });
            String yaml = """
                    routes:
                      - {id: r, paths: ["/*"], upstream: u, timeouts: {read: 60s}}
                    upstreams:
                      - id: u
                        targets: [{url: "http://127.0.0.1:%d"}]
                    """.formatted(upstream.getLocalPort());
            try (RunningNode node = RunningNode.start(dir, yaml, "--client-body-timeout", "1s");
                 Socket socket = connect(node, ATTACKER)) {
                socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n"
                        + "x".repeat(100)).getBytes(StandardCharsets.US_ASCII));
                long heldMs = upstreamHeld.get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(heldMs < 6_000, "the upstream connection was held " + heldMs + " ms by a stalled client body");
                readUntilClosed(socket);
                assertEquals(1, rejected(node, "body_timeout"));
            }
        }
    }

    /**
     * The slow-read attack: a client asks for a large answer and reads none of it. Past the send timeout the
     * node cuts the connection, releases the upstream connection it was relaying from, and keeps serving.
     */
    @Test
    void aClientThatStopsReadingIsCutAndItsUpstreamReleased(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, CLIENT)) {
            java.util.concurrent.CompletableFuture<Long> upstreamHeld = endlessBody(upstream);
            try (RunningNode node = RunningNode.start(dir, bigAndEcho(upstream.getLocalPort()), "--client-send-timeout", "1s");
                 Socket socket = new Socket()) {
                socket.setReceiveBufferSize(4096);      // before connecting: the window the node may fill
                socket.bind(new InetSocketAddress(ATTACKER, 0));
                socket.connect(new InetSocketAddress(CLIENT, node.node.port()), 5_000);
                socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                long heldMs = upstreamHeld.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(heldMs < 10_000, "the upstream connection was held " + heldMs + " ms by a client that reads nothing");
                assertEquals(1, rejected(node, "send_timeout"));
                assertEquals(200, node.get("/after").statusCode());
            }
        }
    }

    /** A slow client that keeps reading is not cut, however long the whole answer takes. */
    @Test
    void aSlowButReadingClientGetsTheWholeAnswer(@TempDir Path dir) throws Exception {
        int size = 1024 * 1024;
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, CLIENT)) {
            Thread.ofVirtual().start(() -> {
                try (Socket conn = upstream.accept()) {
                    readHead(conn.getInputStream());    // all of it: a close with unread bytes would reset the connection
                    conn.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    conn.getOutputStream().write(new byte[size]);
                    conn.shutdownOutput();
                    conn.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());     // until the node closes
                } catch (IOException e) {
                    // the test's assertions say what went wrong
                }
            });
            try (RunningNode node = RunningNode.start(dir, bigAndEcho(upstream.getLocalPort()), "--client-send-timeout", "1s");
                 Socket socket = new Socket()) {
                socket.setReceiveBufferSize(4096);
                socket.bind(new InetSocketAddress(CLIENT, 0));
                socket.connect(new InetSocketAddress(CLIENT, node.node.port()), 5_000);
                socket.setSoTimeout(15_000);
                socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                byte[] piece = new byte[16 * 1024];
                long received = 0;
                for (int n; (n = in.read(piece)) >= 0; ) {
                    received += n;
                    Thread.sleep(20);       // ~0.8 MB/s at most: slower than the node writes, never a second's pause
                }
                assertTrue(received > size, "the whole answer, head and " + size + " body bytes: got " + received);
                assertEquals(0, rejected(node, "send_timeout"));
            }
        }
    }

    /** Reads a request head up to its empty line. */
    private static void readHead(InputStream in) throws IOException {
        for (int b, matched = 0; matched < 4 && (b = in.read()) >= 0; ) {
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /** {@code /big} to {@code port}, everything else to the echo backend. */
    private String bigAndEcho(int port) {
        return """
                routes:
                  - {id: big, paths: ["/big"], upstream: big, timeouts: {read: 60s}}
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: big
                    targets: [{url: "http://127.0.0.1:%d"}]
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(port, backend.port());
    }

    /**
     * An upstream that answers one request with a 1 GiB body and writes it until the node closes the
     * connection; completes with how long, in ms, the node held the connection after the first write.
     */
    private static java.util.concurrent.CompletableFuture<Long> endlessBody(java.net.ServerSocket upstream) {
        java.util.concurrent.CompletableFuture<Long> held = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Socket conn = upstream.accept()) {
                readHead(conn.getInputStream());
                java.io.OutputStream out = conn.getOutputStream();
                long opened = System.nanoTime();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] piece = new byte[64 * 1024];
                try {
                    for (int i = 0; i < 16 * 1024; i++) {       // bounded: 1 GiB
                        out.write(piece);
                    }
                    held.completeExceptionally(new AssertionError("the node took the whole body"));
                } catch (IOException closed) {
                    held.complete((System.nanoTime() - opened) / 1_000_000);
                }
            } catch (IOException e) {
                held.completeExceptionally(e);
            }
        });
        return held;
    }

    @Test
    void aSilentConnectionIsClosedAfterTheClientTimeout(@TempDir Path dir) throws Exception {
        try (RunningNode node = RunningNode.start(dir, config(), "--client-timeout", "3s");
             Socket socket = connect(node, ATTACKER)) {
            long start = System.nanoTime();
            assertEquals("", readUntilClosed(socket));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 2_900 && tookMs < 10_000, "closed after the client timeout, took " + tookMs + " ms");
        }
    }

    @Test
    void oneAddressCannotTakeTheNodeFromOthers(@TempDir Path dir) throws Exception {
        int perIp = 50;
        List<Socket> held = new ArrayList<>();
        try (RunningNode node = RunningNode.start(dir, config(), "--max-connections-per-ip", String.valueOf(perIp),
                "--client-header-timeout", "30s")) {
            try {
                // the attacker opens twice its share, each with a head that never ends (slowloris)
                int refused = 0;
                for (int i = 0; i < 2 * perIp; i++) {
                    Socket socket = connect(node, ATTACKER);
                    held.add(socket);
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                // which connections are over the limit depends on the order the listener's threads take
                // them, not on the order they were opened: every socket is watched at once
                List<java.util.concurrent.Future<Boolean>> closed = new ArrayList<>();
                try (var watchers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (Socket socket : held) {
                        closed.add(watchers.submit(() -> closedUnanswered(socket)));
                    }
                }
                for (var each : closed) {
                    refused += each.get() ? 1 : 0;
                }
                assertEquals(perIp, refused, "connections past the per-address limit are closed unanswered");
                // another address is served as if nothing happened
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> response = node.get("/ok/" + i);
                    assertEquals(200, response.statusCode(), response.body());
                }
                assertEquals(perIp, rejected(node, "max_connections_per_ip"));
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
            // the attacker's connections are gone: its address may connect again
            RunningNode.eventually(Duration.ofSeconds(10), () -> {
                try (Socket socket = connect(node, ATTACKER)) {
                    socket.getOutputStream().write("GET /back HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(RunningNode.readResponse(socket.getInputStream()).startsWith("HTTP/1.1 200 "));
                }
            });
        }
    }

    @Test
    void aSilentOrHalfHandshakenTlsConnectionIsCutAfterTheHeadDeadline(@TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "guarded", "EC", "localhost");
        try (RunningNode node = RunningNode.start(dir, config() + """
                certificates:
                  - id: guarded
                    snis: [localhost]
                    cert_file: %s
                    key_file: %s
                """.formatted(cert.certFile(), cert.keyFile()), "--client-header-timeout", "3s");
             Socket silent = connectTls(node, ATTACKER);
             Socket halfHandshake = connectTls(node, ATTACKER)) {
            long start = System.nanoTime();
            // a ClientHello, then nothing: the node answers with its part of the handshake and waits for the rest
            SSLEngine client = TestCertificates.trusting(cert).createSSLEngine("localhost", 443);
            client.setUseClientMode(true);
            ByteBuffer hello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
            client.wrap(ByteBuffer.allocate(0), hello);
            halfHandshake.getOutputStream().write(hello.array(), 0, hello.position());

            readUntilClosed(halfHandshake);
            readUntilClosed(silent);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 2_000 && tookMs < 15_000, "closed after the header timeout, took " + tookMs + " ms");
            RunningNode.eventually(Duration.ofSeconds(5), () -> assertEquals(2, rejected(node, "header_timeout")));
            // the listener still serves a client that completes its handshake
            SSLContext trusting = TestCertificates.trusting(cert);
            java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(trusting)
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            assertEquals(200, https.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("https://localhost:" + node.node.httpsPort() + "/after")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static Socket connectTls(RunningNode node, InetAddress from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress(CLIENT, node.node.httpsPort()), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static Socket connect(RunningNode node, InetAddress from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress(CLIENT, node.node.port()), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    /** Everything the node sends until it closes the connection; fails the test if it never does. */
    /** Whether the node closes the socket, sending nothing, within 5 s (false: still open then). */
    private static boolean closedUnanswered(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset: closed with our unread head in its buffer
        }
    }

    private static String readUntilClosed(Socket socket) throws IOException {
        StringBuilder out = new StringBuilder();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the node kept the connection open; it sent: " + out, e);
        } catch (IOException e) {
            // reset: closed as well
        }
        return out.toString();
    }

    private static long rejected(RunningNode node, String reason) throws Exception {
        String metrics = node.adminGet("/metrics").body();
        Matcher m = Pattern.compile("stargate_rejected_total\\{reason=\"" + reason + "\"} (\\d+)").matcher(metrics);
        assertTrue(m.find(), "no stargate_rejected_total for " + reason + " in\n" + metrics);
        return Long.parseLong(m.group(1));
    }
}
