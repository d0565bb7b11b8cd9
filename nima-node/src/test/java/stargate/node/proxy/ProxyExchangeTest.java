package stargate.node.proxy;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import stargate.model.Upstream;
import stargate.node.trace.TraceParent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Framing both ways and the forwarding headers, through a real Helidon front and a scripted upstream. */
class ProxyExchangeTest {
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
        front.pool.close();
        upstream.close();
    }

    private void upstream(FakeUpstream.Handler handler) throws Exception {
        upstream = FakeUpstream.http(handler);
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
    }

    private RawClient.Response get(String target, String... headerLines) throws Exception {
        return RawClient.send(front.port(), "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n"
                + String.join("", List.of(headerLines).stream().map(h -> h + "\r\n").toList()) + "\r\n");
    }

    /**
     * Header fields that together overflow the upstream connection's 16 KiB output buffer, one of them larger
     * than the buffer itself, arrive whole.
     */
    @Test
    void headersPastTheOutputBufferArriveWhole() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            lines.add("X-Field-" + i + ": " + Character.toString('a' + i).repeat(i == 7 ? 20_000 : 1000 + 97 * i));
        }
        RawClient.Response response = get("/wide", lines.toArray(String[]::new));
        assertEquals(200, response.status(), response.toString());
        FakeUpstream.Request received = upstream.nextRequest();
        for (int i = 0; i < 12; i++) {
            assertEquals(List.of(Character.toString('a' + i).repeat(i == 7 ? 20_000 : 1000 + 97 * i)), received.all("X-Field-" + i));
        }
        assertEquals(List.of("example.com"), received.all("X-Forwarded-Host"));
    }

    @Test
    void getWithContentLengthForwardsTargetAndReturnsFixedLengthBody() throws Exception {
        upstream(FakeUpstream.ok("hello"));
        RawClient.Response response = get("/a/b%20c?x=1&y=%2F");
        assertEquals(200, response.status());
        assertEquals("hello", response.bodyText());
        assertEquals("5", response.header("Content-Length"));
        assertNull(response.header("Transfer-Encoding"));
        FakeUpstream.Request seen = upstream.nextRequest();
        assertEquals("GET", seen.method());
        assertEquals("/a/b%20c?x=1&y=%2F", seen.target());
        assertNull(seen.header("Content-Length"));
        assertNull(seen.header("Transfer-Encoding"));
    }

    @Test
    void postWithContentLengthStreamsTheBodyWithItsLength() throws Exception {
        upstream(FakeUpstream.ok("done"));
        String body = "x".repeat(100_000);
        RawClient.Response response = RawClient.send(front.port(), "POST /upload HTTP/1.1\r\nHost: h\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        assertEquals(200, response.status());
        FakeUpstream.Request seen = upstream.nextRequest();
        assertEquals(String.valueOf(body.length()), seen.header("Content-Length"));
        assertFalse(seen.chunked());
        assertEquals(body, seen.bodyText());
    }

    @Test
    void chunkedRequestBodyGoesUpstreamChunked() throws Exception {
        upstream(FakeUpstream.ok("done"));
        RawClient.Response response = RawClient.send(front.port(), "POST /c HTTP/1.1\r\nHost: h\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
        assertEquals(200, response.status());
        FakeUpstream.Request seen = upstream.nextRequest();
        assertTrue(seen.chunked());
        assertNull(seen.header("Content-Length"));
        assertEquals("hello, world", seen.bodyText());
    }

    @Test
    void emptyPostKeepsItsZeroContentLength() throws Exception {
        upstream(FakeUpstream.ok("done"));
        assertEquals(200, RawClient.send(front.port(), "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").status());
        assertEquals("0", upstream.nextRequest().header("Content-Length"));
    }

    @Test
    void chunkedResponseWithTrailersReachesTheClientWithoutTrailers() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                    + "3;ext=1\r\nabc\r\n");
            FakeUpstream.write(out, "a\r\n0123456789\r\n0\r\nX-Sum: 13\r\n\r\n");
            return true;
        });
        RawClient.Response response = get("/chunked");
        assertEquals(200, response.status());
        assertEquals("abc0123456789", response.bodyText());
        assertNull(response.header("Trailer"));
        assertNull(response.header("X-Sum"));
        assertEquals(200, get("/again").status());
        assertEquals(1, upstream.connections.get(), "connection reused after the chunked body");
    }

    @Test
    void responseEndingByCloseIsForwardedAndItsConnectionNotReused() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
            FakeUpstream.write(out, "until ");
            FakeUpstream.write(out, "close");
            return false;
        });
        RawClient.Response response = get("/close");
        assertEquals("until close", response.bodyText());
        assertTrue(response.complete());
        get("/close");
        assertEquals(2, upstream.connections.get());
        assertEquals(0, front.pool.idleConnections());
    }

    @Test
    void headGetsTheContentLengthButNoBodyAndKeepsTheConnection() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
            return true;
        });
        RawClient.Response response = RawClient.send(front.port(), "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n", true);
        assertEquals(200, response.status());
        assertEquals("1234", response.header("Content-Length"));
        RawClient.send(front.port(), "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n", true);
        assertEquals(1, upstream.connections.get());
    }

    @ParameterizedTest
    @ValueSource(ints = {204, 304})
    void noContentAndNotModifiedHaveNoBody(int status) throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 " + status + " X\r\nETag: \"v1\"\r\n"
                    + (status == 304 ? "Content-Length: 10\r\n" : "") + "\r\n");
            return true;
        });
        RawClient.Response response = get("/n");
        assertEquals(status, response.status());
        assertEquals("\"v1\"", response.header("ETag"));
        assertEquals(status, get("/n2").status());
        assertEquals(1, upstream.connections.get(), "no body was awaited, so the connection was reused");
    }

    @Test
    void anUnknownStatusKeepsItsCodeAndReason() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 599 Custom Reason\r\nContent-Length: 0\r\n\r\n");
            return true;
        });
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            socket.getOutputStream().write("GET /s HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String statusLine = new String(socket.getInputStream().readNBytes(30), StandardCharsets.ISO_8859_1);
            assertTrue(statusLine.startsWith("HTTP/1.1 599 Custom Reason\r\n"), statusLine);
        }
    }

    @Test
    void interimResponsesFromTheUpstreamAreSkipped() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                    + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
            return true;
        });
        RawClient.Response response = get("/interim");
        assertEquals(201, response.status());
        assertEquals("ok", response.bodyText());
    }

    @Test
    void expectContinueIsAnsweredByTheFrontAndNotForwarded() throws Exception {
        upstream(FakeUpstream.ok("got it"));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                              .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String interim = new String(in.readNBytes(25), StandardCharsets.ISO_8859_1);
            assertTrue(interim.startsWith("HTTP/1.1 100 Continue"), interim);
            out.write("12345".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            RawClient.Response response = RawClient.read(in, false);
            assertEquals(200, response.status());
            assertEquals("got it", response.bodyText());
        }
        FakeUpstream.Request seen = upstream.nextRequest();
        assertNull(seen.header("Expect"));
        assertEquals("12345", seen.bodyText());
    }

    @Test
    void hopByHopRequestHeadersAreDropped() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        get("/hop", "Connection: keep-alive, X-Secret", "X-Secret: 1", "Keep-Alive: timeout=5",
            "Proxy-Connection: keep-alive", "TE: trailers", "Trailer: X-T", "X-Kept: yes");
        FakeUpstream.Request seen = upstream.nextRequest();
        for (String dropped : List.of("Connection", "X-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer")) {
            assertEquals(List.of(), seen.all(dropped), dropped);
        }
        assertEquals("yes", seen.header("X-Kept"));
    }

    @Test
    void hopByHopResponseHeadersAreDroppedAndRepeatedFieldsKept() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nX-End: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                    + "Content-Length: 2\r\n\r\nok");
            return true;
        });
        RawClient.Response response = get("/hop");
        assertEquals("ok", response.bodyText());
        for (String dropped : List.of("X-Hop", "Keep-Alive", "Proxy-Connection", "Upgrade")) {
            assertEquals(List.of(), response.all(dropped), dropped);
        }
        assertEquals(List.of(), response.all("Connection"), "the upstream's is hop-by-hop; HTTP/1.1 keeps alive without one");
        assertEquals("1", response.header("X-End"));
        assertEquals(List.of("a=1", "b=2"), response.all("Set-Cookie"));
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreReplacedAndHostIsTheTargets() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        get("/f", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example",
                "X-Forwarded-Port: 1", "Forwarded: for=10.0.0.1", "X-Real-IP: 10.0.0.1");
        FakeUpstream.Request seen = upstream.nextRequest();
        assertEquals(List.of("127.0.0.1"), seen.all("X-Forwarded-For"));
        assertEquals(List.of("http"), seen.all("X-Forwarded-Proto"));
        assertEquals(List.of("example.com"), seen.all("X-Forwarded-Host"));
        for (String dropped : List.of("X-Forwarded-Port", "Forwarded", "X-Real-IP")) {
            assertEquals(List.of(), seen.all(dropped), dropped);
        }
        assertEquals(List.of("127.0.0.1:" + upstream.port()), seen.all("Host"));
    }

    @Test
    void forwardingHeadersFromATrustedProxyAreKeptAndExtended() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        front.trustedProxies = TrustedProxies.parse("127.0.0.0/8");
        try {
            get("/f", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: api.example",
                    "Forwarded: for=203.0.113.7", "X-Real-IP: 203.0.113.7");
        } finally {
            front.trustedProxies = TrustedProxies.NONE;
        }
        FakeUpstream.Request seen = upstream.nextRequest();
        assertEquals(List.of("203.0.113.7, 127.0.0.1"), seen.all("X-Forwarded-For"));
        assertEquals(List.of("https"), seen.all("X-Forwarded-Proto"));
        assertEquals(List.of("api.example"), seen.all("X-Forwarded-Host"));
        assertEquals(List.of("for=203.0.113.7"), seen.all("Forwarded"));
        assertEquals(List.of("203.0.113.7"), seen.all("X-Real-IP"));
    }

    @Test
    void obsTextInHeaderValuesPassesByteForByteBothWays() throws Exception {
        // "café" in UTF-8 (C3 A9) from the client; "café" in Latin-1 (E9) from the upstream: neither is re-encoded.
        String utf8Cafe = new String("caf\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nX-Out: caf\u00e9 \u00ff\r\nContent-Length: 2\r\n\r\nok");
            return true;
        });
        RawClient.Response response = get("/o", "X-Name: " + utf8Cafe, "X-Plain: ascii");
        FakeUpstream.Request seen = upstream.nextRequest();
        assertEquals(List.of(utf8Cafe), seen.all("X-Name"));
        assertEquals(List.of("ascii"), seen.all("X-Plain"));
        assertEquals(List.of("caf\u00e9 \u00ff"), response.all("X-Out"));
    }

    /** Answers {@code /close} by closing the connection without a response, anything else 200 on a kept connection. */
    private static boolean closesOnSlashClose(FakeUpstream.Request request, java.io.OutputStream out) throws Exception {
        if (request.target().startsWith("/close")) {
            return false;
        }
        FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return true;
    }

    private long sentTimes(String method, String target) {
        return upstream.requests.stream().filter(r -> r.method().equals(method) && r.target().equals(target)).count();
    }

    @Test
    void aPostOnAStalePooledConnectionIsNeverSentTwice() throws Exception {
        upstream(ProxyExchangeTest::closesOnSlashClose);
        assertEquals(200, get("/warm").status());                     // leaves a pooled connection
        RawClient.Response response = RawClient.send(front.port(),
                "POST /close HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n");
        assertEquals(502, response.status());
        assertEquals(1, sentTimes("POST", "/close"));
    }

    @Test
    void idempotentRequestsAndIdempotencyKeysAreSentAgainOnAFreshConnection() throws Exception {
        upstream(ProxyExchangeTest::closesOnSlashClose);
        assertEquals(200, get("/warm").status());
        assertEquals(502, get("/close").status());                   // the fresh connection is closed too
        assertEquals(2, sentTimes("GET", "/close"));
        assertEquals(200, get("/warm").status());
        RawClient.send(front.port(), "POST /close HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n"
                + "Idempotency-Key: k-1\r\n\r\n");
        assertEquals(2, sentTimes("POST", "/close"));
    }

    @Test
    void preserveHostSendsTheClientsHost() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        front.preserveHost = true;
        try {
            get("/p");
        } finally {
            front.preserveHost = false;
        }
        assertEquals(List.of("example.com"), upstream.nextRequest().all("Host"));
    }

    @Test
    void requestIdIsKeptWhenPresentAndEchoedToTheClient() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        RawClient.Response response = get("/r", "X-Request-Id: abc-123");
        assertEquals(List.of("abc-123"), upstream.nextRequest().all("X-Request-Id"));
        assertEquals(List.of("abc-123"), response.all("X-Request-Id"));
    }

    @Test
    void requestIdIsGeneratedWhenAbsentAndTheSameBothWays() throws Exception {
        upstream((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nX-Request-Id: upstream-own\r\nContent-Length: 0\r\n\r\n");
            return true;
        });
        RawClient.Response response = get("/r");
        String sent = upstream.nextRequest().header("X-Request-Id");
        assertTrue(sent.matches("[0-9a-f]{32}"), sent);
        assertEquals(List.of(sent), response.all("X-Request-Id"));
    }

    @Test
    void validTraceparentKeepsTraceIdAndFlagsWithANewSpanId() throws Exception {
        upstream(FakeUpstream.ok("ok"));
        get("/t", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "tracestate: k=v");
        FakeUpstream.Request seen = upstream.nextRequest();
        String[] parts = seen.header("traceparent").split("-");
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", parts[1]);
        assertNotEquals("00f067aa0ba902b7", parts[2]);
        assertTrue(parts[2].matches("[0-9a-f]{16}"));
        assertEquals("00", parts[3]);
        assertEquals("k=v", seen.header("tracestate"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                            "traceparent: garbage"})
    void missingOrInvalidTraceparentStartsANewTrace(String header) throws Exception {
        upstream(FakeUpstream.ok("ok"));
        if (header.isEmpty()) {
            get("/t");
        } else {
            get("/t", header);
        }
        List<String> sent = upstream.nextRequest().all("traceparent");
        assertEquals(1, sent.size());
        assertTrue(TraceParent.isValid(sent.get(0)), sent.get(0));
        assertTrue(sent.get(0).endsWith("-01"));
    }
}
