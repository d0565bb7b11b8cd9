package stargate.node.proxy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import stargate.model.Upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the client sees when the upstream cannot be reached, stalls, or answers garbage. */
class UpstreamFailureTest {
    private static final Duration READ_TIMEOUT = Duration.ofMillis(300);
    private static ProxyFront front;
    private FakeUpstream upstream;
    private final CountDownLatch hang = new CountDownLatch(1);

    @BeforeAll
    static void startFront() {
        front = new ProxyFront();
        front.readTimeout = READ_TIMEOUT;
    }

    @AfterAll
    static void stopFront() {
        front.close();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        hang.countDown();
        front.pool.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void upstream(FakeUpstream.Script script) throws Exception {
        upstream = FakeUpstream.raw(script);
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
    }

    private static RawClient.Response get() throws Exception {
        return RawClient.send(front.port(), "GET /x HTTP/1.1\r\nHost: h\r\nX-Request-Id: req-1\r\n\r\n");
    }

    private static void assertJsonError(RawClient.Response response, int status, String error) {
        assertEquals(status, response.status());
        assertEquals("application/json", response.header("Content-Type"));
        assertEquals("req-1", response.header("X-Request-Id"));
        String body = response.bodyText();
        assertTrue(body.startsWith("{\"status\":" + status + ",\"error\":\"" + error + "\",\"message\":\""), body);
        assertTrue(body.endsWith(",\"request_id\":\"req-1\"}"), body);
    }

    @Test
    void connectionRefusedAnswers502UpstreamUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        front.pool = TargetPool.create("http://127.0.0.1:" + closedPort, Upstream.Pool.DEFAULT, null);
        assertJsonError(get(), 502, "upstream_unreachable");
        assertEquals(0, front.pool.openConnections());
    }

    @Test
    void anUpstreamThatNeverAnswersAnswers504AfterTheReadTimeout() throws Exception {
        upstream((socket, in, out) -> hang.await(20, TimeUnit.SECONDS));
        long start = System.nanoTime();
        RawClient.Response response = get();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertJsonError(response, 504, "upstream_timeout");
        assertTrue(elapsedMillis >= READ_TIMEOUT.toMillis(), "answered after " + elapsedMillis + " ms");
        assertTrue(elapsedMillis < 5_000, "answered after " + elapsedMillis + " ms");
        assertEquals(0, front.pool.openConnections());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "garbage\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: bare\rcr\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Le"})
    void aMalformedResponseHeadAnswers502BadGateway(String response) throws Exception {
        upstream((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, response);       // then closes: the last case is cut short
        });
        assertJsonError(get(), 502, "bad_gateway");
    }

    @Test
    void aResponseHeadLargerThanTheLimitAnswers502() throws Exception {
        upstream((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(ResponseHead.MAX_HEAD_BYTES) + "\r\n\r\n");
            hang.await(20, TimeUnit.SECONDS);
        });
        assertJsonError(get(), 502, "bad_gateway");
    }

    @Test
    void anUpstreamClosingANewConnectionWithoutAnswerAnswers502() throws Exception {
        upstream((socket, in, out) -> FakeUpstream.readRequest(in));
        assertJsonError(get(), 502, "bad_gateway");
        assertEquals(1, upstream.connections.get(), "a new connection is not retried");
    }

    @Test
    void anUpstreamClosingMidBodyAbortsTheClientConnection() throws Exception {
        upstream((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(50_000));
        });
        RawClient.Response response = get();
        assertEquals(200, response.status());
        assertFalse(response.complete());
        assertTrue(response.body().length < 100_000);
    }

    @Test
    void anUpstreamStallingMidBodyAbortsTheClientConnectionAfterTheReadTimeout() throws Exception {
        upstream((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            hang.await(20, TimeUnit.SECONDS);
        });
        RawClient.Response response = get();
        assertEquals(200, response.status());
        assertFalse(response.complete());
        assertEquals("first", response.bodyText(), "the bytes before the stall were streamed");
    }

    @Test
    void aSlowButSteadyUpstreamIsNotTimedOut() throws Exception {
        upstream((socket, in, out) -> {
            FakeUpstream.readRequest(in);
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 6; i++) {          // 600 ms in all, never 300 ms without a byte
                Thread.sleep(100);
                FakeUpstream.write(out, "1\r\n" + i + "\r\n");
            }
            FakeUpstream.write(out, "0\r\n\r\n");
        });
        RawClient.Response response = get();
        assertTrue(response.complete());
        assertEquals("012345", response.bodyText());
    }
}
