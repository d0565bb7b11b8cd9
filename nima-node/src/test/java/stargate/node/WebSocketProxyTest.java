package stargate.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket proxying (SPEC §16) through a real node to a real WebSocket server (Helidon's), with the JDK's
 * WebSocket client: echo, large messages, many sockets, idle timeout, plugins at the handshake, TLS both
 * sides, and the attacks: {@code Upgrade} to a route without {@code websocket: true}, bytes smuggled after
 * a refused handshake.
 */
class WebSocketProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static WebSocketUpstream upstream;
    private static WebSocketUpstream secureUpstream;
    private static TestCertificates nodeCertificate;
    private static RunningNode node;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        upstream = WebSocketUpstream.plain();
        TestCertificates upstreamCertificate = TestCertificates.generate(dir, "localhost", "EC", "localhost");
        secureUpstream = WebSocketUpstream.tls(upstreamCertificate);
        nodeCertificate = TestCertificates.generate(dir, "node", "EC", "localhost");
        node = RunningNode.start(dir, """
                routes:
                  - {id: ws, paths: [/echo], upstream: up, websocket: true}
                  - {id: quiet, paths: [/quiet], upstream: up, websocket: true, timeouts: {idle: 1s}}
                  - {id: guarded, paths: [/guarded], upstream: up, websocket: true, plugins: {key-auth: {}}}
                  - {id: plain, paths: [/plain], upstream: up}
                  - {id: not-ws-upstream, paths: [/refusing], upstream: up, websocket: true}
                  - {id: secure, paths: ["/secure/*"], upstream: tls, websocket: true, strip_prefix: true}
                upstreams:
                  - {id: up, targets: [{url: "http://127.0.0.1:%d"}]}
                  - {id: tls, targets: [{url: "https://localhost:%d"}], tls: {ca_file: "%s"}}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                certificates:
                  - {id: node, snis: [localhost], cert_file: "%s", key_file: "%s"}
                """.formatted(upstream.port(), secureUpstream.port(), upstreamCertificate.certFile(),
                nodeCertificate.certFile(), nodeCertificate.keyFile()));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable open : new AutoCloseable[] {node, upstream, secureUpstream}) {
            if (open != null) {
                try {
                    open.close();
                } catch (Exception e) {
                    // the others still close
                }
            }
        }
    }

    @Test
    void textAndBinaryMessagesEchoThroughTheNode() throws Exception {
        Collector messages = new Collector();
        WebSocket ws = open(CLIENT, node.node.port(), "/echo", messages);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertEquals("hello", messages.next());
        ws.sendText("in ", false).get(10, TimeUnit.SECONDS);
        ws.sendText("parts", true).get(10, TimeUnit.SECONDS);
        assertEquals("in parts", messages.next());
        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0x88, 0x02, 0x03, (byte) 0xe9};      // bytes of a close frame, as data
        ws.sendBinary(ByteBuffer.wrap(binary), true).get(10, TimeUnit.SECONDS);
        assertArrayEquals(binary, (byte[]) messages.next());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertEquals(WebSocket.NORMAL_CLOSURE, messages.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void aTenMebibyteMessageArrivesWhole() throws Exception {
        byte[] big = new byte[10 * 1024 * 1024];
        new Random(13).nextBytes(big);
        Collector messages = new Collector();
        WebSocket ws = open(CLIENT, node.node.port(), "/echo", messages);
        // in 512 KiB frames: Helidon's WebSocket server reads one huge frame slowly (~20 s for 10 MiB in one frame
        // straight to it, measured on a loaded box); the node relays the bytes unparsed either way
        int frame = 512 * 1024;
        for (int at = 0; at < big.length; at += frame) {
            ws.sendBinary(ByteBuffer.wrap(big, at, frame), at + frame == big.length).get(30, TimeUnit.SECONDS);
        }
        assertArrayEquals(big, (byte[]) messages.next(Duration.ofSeconds(60)));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }

    @Test
    void manySocketsAtOnceOnOneNode() throws Exception {
        int sockets = 500;
        List<WebSocket> open = new ArrayList<>(sockets);
        List<Collector> collectors = new ArrayList<>(sockets);
        List<CompletableFuture<WebSocket>> opening = new ArrayList<>(sockets);
        for (int i = 0; i < sockets; i++) {
            Collector collector = new Collector();
            collectors.add(collector);
            opening.add(CLIENT.newWebSocketBuilder().connectTimeout(WAIT)
                    .buildAsync(URI.create("ws://127.0.0.1:" + node.node.port() + "/echo"), collector));
        }
        for (CompletableFuture<WebSocket> ws : opening) {
            open.add(ws.get(60, TimeUnit.SECONDS));
        }
        RunningNode.eventually(WAIT, () -> assertTrue(node.adminGet("/metrics").body()
                .contains("stargate_websocket_connections{route=\"ws\"} " + sockets)));
        for (int i = 0; i < sockets; i++) {
            open.get(i).sendText("socket " + i, true);
        }
        for (int i = 0; i < sockets; i++) {
            assertEquals("socket " + i, collectors.get(i).next());
        }
        for (WebSocket ws : open) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
        }
        RunningNode.eventually(WAIT, () -> assertFalse(node.adminGet("/metrics").body()
                .contains("stargate_websocket_connections{route=\"ws\"}"), "the gauge is back to nothing"));
    }

    @Test
    void aQuietSocketIsClosedAfterTheRoutesIdleTimeout() throws Exception {
        Collector messages = new Collector();
        long opened = System.nanoTime();
        WebSocket ws = open(CLIENT, node.node.port(), "/quiet", messages);
        ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertEquals("still here", messages.next());
        messages.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - opened >= Duration.ofMillis(900).toNanos(), "not before the idle timeout");
    }

    @Test
    void theHandshakeRunsThePluginsAndARefusalNeverReachesTheUpstream() throws Exception {
        int before = upstream.openedOn.computeIfAbsent("/guarded", p -> new java.util.concurrent.atomic.AtomicInteger()).get();
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> open(CLIENT, node.node.port(), "/guarded", new Collector()));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause());
        assertEquals(401, handshake.getResponse().statusCode());

        Collector messages = new Collector();
        WebSocket ws = CLIENT.newWebSocketBuilder().header("apikey", "alice-key-123")
                .buildAsync(URI.create("ws://127.0.0.1:" + node.node.port() + "/guarded"), messages).get(10, TimeUnit.SECONDS);
        ws.sendText("with a key", true).get(10, TimeUnit.SECONDS);
        assertEquals("with a key", messages.next());
        assertEquals(before + 1, upstream.openedOn.get("/guarded").get(), "only the authenticated handshake reached the upstream");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }

    @Test
    void theCapitalizedTokenSwitchesToo() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", node.node.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(handshake("/echo").replace("websocket", "WebSocket")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String response = RunningNode.readResponse(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 101"), response);
            // RFC 6455 §4.2.2: the accept value for the key of RFC 6455's own example
            assertTrue(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), response);
        }
    }

    @Test
    void anUpstreamThatDoesNotSwitchIsRelayedAsIs() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", node.node.port())) {
            socket.getOutputStream().write(handshake("/refusing").getBytes(StandardCharsets.ISO_8859_1));
            String response = RunningNode.readResponse(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("upgrade=websocket connection=Upgrade"), response);
        }
    }

    @Test
    void anotherRouteDropsUpgradeAndSmuggledBytesStayHttp() throws Exception {
        int plainBefore = upstream.plainRequests.get();
        int openedBefore = upstream.opened.get();
        try (Socket socket = new Socket("127.0.0.1", node.node.port())) {
            socket.setSoTimeout(10_000);
            // a handshake to a route without websocket: true, then bytes that would be a WebSocket frame
            socket.getOutputStream().write((handshake("/plain") + "\u0081\u0085smugl").getBytes(StandardCharsets.ISO_8859_1));
            String response = RunningNode.readResponse(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("upgrade=none connection=none"), "Upgrade and Connection dropped: " + response);
            assertFalse(response.toLowerCase().contains("upgrade: websocket"), response);
            socket.setSoTimeout(1_000);
            String next = readAll(socket.getInputStream());
            // the frame bytes are the start of a malformed next request: never a 101, never forwarded
            assertFalse(next.contains("101"), next);
        }
        assertEquals(plainBefore + 1, upstream.plainRequests.get(), "one plain request reached the upstream");
        assertEquals(openedBefore, upstream.opened.get());
    }

    @Test
    void bytesAfterARefusedHandshakeNeverReachTheUpstream() throws Exception {
        int plainBefore = upstream.plainRequests.get();
        int openedBefore = upstream.opened.get();
        try (Socket socket = new Socket("127.0.0.1", node.node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // refused handshake (no key), then a request smuggled as if the tunnel were open
            out.write((handshake("/guarded") + "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String refused = RunningNode.readResponse(in);
            assertTrue(refused.startsWith("HTTP/1.1 401"), refused);
            // the connection is still HTTP/1.1: the smuggled bytes are the next request, routed like any other
            String second = RunningNode.readResponse(in);
            assertTrue(second.startsWith("HTTP/1.1 200") && second.endsWith("upgrade=none connection=none"), second);
        }
        assertEquals(plainBefore + 1, upstream.plainRequests.get(), "only the second, ordinary request");
        assertEquals(openedBefore, upstream.opened.get(), "no WebSocket was opened upstream");
    }

    @Test
    void wssFromClientsAndTlsToAnHttpsTarget() throws Exception {
        HttpClient tlsClient = HttpClient.newBuilder().sslContext(TestCertificates.trusting(nodeCertificate)).build();
        RunningNode.eventually(WAIT, () -> assertTrue(node.node.httpsPort() > 0));
        Collector messages = new Collector();
        WebSocket ws = tlsClient.newWebSocketBuilder()
                .buildAsync(URI.create("wss://localhost:" + node.node.httpsPort() + "/secure/echo"), messages)
                .get(10, TimeUnit.SECONDS);
        ws.sendText("over tls both ways", true).get(10, TimeUnit.SECONDS);
        assertEquals("over tls both ways", messages.next());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }

    static WebSocket open(HttpClient client, int port, String path, Collector collector) throws Exception {
        return client.newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), collector).get(10, TimeUnit.SECONDS);
    }

    static String handshake(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (java.io.IOException e) {
            // closed or timed out: what arrived is enough
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** Collects whole messages (text as String, binary as byte[]) and the close code (-1 for an error). */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Object next() throws InterruptedException {
            return next(WAIT);
        }

        Object next(Duration wait) throws InterruptedException {
            Object message = messages.poll(wait.toSeconds(), TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("no message within " + wait);
            }
            return message;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text = new StringBuilder();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }
}
