package stargate.node.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import stargate.model.Upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keep-alive reuse, the per-target cap, stale connections and idle eviction. */
class TargetPoolTest {
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

    private static RawClient.Response get(String target) throws Exception {
        return RawClient.send(front.port(), "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    @Test
    void sequentialRequestsReuseOneKeptAliveConnection() throws Exception {
        upstream = FakeUpstream.http(FakeUpstream.ok("ok"));
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        for (int i = 0; i < 20; i++) {
            assertEquals("ok", get("/" + i).bodyText());
        }
        assertEquals(1, upstream.connections.get());
        assertEquals(1, front.pool.openConnections());
        assertEquals(1, front.pool.idleConnections());
    }

    @Test
    void concurrentRequestsNeverOpenMoreThanTheCap() throws Exception {
        upstream = FakeUpstream.http((request, out) -> {
            Thread.sleep(20);
            return FakeUpstream.ok("ok").respond(request, out);
        });
        front.pool = TargetPool.create(upstream.url(), new Upstream.Pool(2, null), null);
        front.connectTimeout = Duration.ofSeconds(10);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RawClient.Response>> responses = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String target = "/" + i;
                responses.add(clients.submit(() -> get(target)));
            }
            for (Future<RawClient.Response> response : responses) {
                assertEquals(200, response.get(20, TimeUnit.SECONDS).status());
            }
        } finally {
            front.connectTimeout = Duration.ofSeconds(2);
        }
        assertEquals(2, upstream.maxOpen.get());
        assertEquals(2, upstream.connections.get());
    }

    @Test
    void waitingForAFreeConnectionLongerThanTheConnectTimeoutAnswers503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        upstream = FakeUpstream.http((request, out) -> {
            release.await(10, TimeUnit.SECONDS);
            return FakeUpstream.ok("late").respond(request, out);
        });
        front.pool = TargetPool.create(upstream.url(), new Upstream.Pool(1, null), null);
        front.connectTimeout = Duration.ofMillis(200);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<RawClient.Response> holder = clients.submit(() -> get("/hold"));
            upstream.nextRequest();                                   // the only connection is now busy
            RawClient.Response refused = get("/second");
            assertEquals(503, refused.status());
            assertTrue(refused.bodyText().contains("\"error\":\"upstream_busy\""), refused.bodyText());
            release.countDown();
            assertEquals("late", holder.get(10, TimeUnit.SECONDS).bodyText());
        } finally {
            front.connectTimeout = Duration.ofSeconds(2);
        }
    }

    @Test
    void aPooledConnectionTheServerClosedIsRetriedOnceOnAFreshOne() throws Exception {
        // Each connection answers one request, keeps the connection "alive" in its headers, then closes it.
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.ok("served").respond(request, out);
            return false;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        assertEquals("served", get("/1").bodyText());
        awaitUpstreamClosedAll();
        assertEquals(1, front.pool.idleConnections(), "the proxy still holds the dead connection");
        RawClient.Response second = get("/2");
        assertEquals(200, second.status());
        assertEquals("served", second.bodyText());
        assertEquals(2, upstream.connections.get());
    }

    @Test
    void aStaleConnectionIsNotRetriedOnceTheRequestBodyWasConsumed() throws Exception {
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.ok("served").respond(request, out);
            return false;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        get("/1");
        awaitUpstreamClosedAll();
        RawClient.Response post = RawClient.send(front.port(), "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
        assertEquals(502, post.status());
        assertTrue(post.bodyText().contains("\"error\":\"bad_gateway\""), post.bodyText());
        assertEquals(1, upstream.connections.get());
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        upstream = FakeUpstream.http(FakeUpstream.ok("ok"));
        Watchdog watchdog = new Watchdog();                       // driven by the test, not by a thread
        TargetPool pool = new TargetPool(URI.create(upstream.url()), new Upstream.Pool(4, Duration.ofSeconds(60)),
                                         null, watchdog);
        front.pool = pool;
        get("/warm");
        long start = System.nanoTime();
        watchdog.scan(start + Duration.ofSeconds(30).toNanos());
        assertEquals(1, pool.idleConnections());
        watchdog.scan(start + Duration.ofSeconds(61).toNanos());
        assertEquals(0, pool.idleConnections());
        assertEquals(0, pool.openConnections());
        awaitUpstreamClosedAll();
    }

    @Test
    void aStalledConnectionIsClosedByTheWatchdogOnlyAfterItsLimit() throws Exception {
        upstream = FakeUpstream.raw((socket, in, out) -> in.read());   // accepts, never answers
        Watchdog watchdog = new Watchdog();
        TargetPool pool = new TargetPool(URI.create(upstream.url()), Upstream.Pool.DEFAULT, null, watchdog);
        front.pool = pool;
        UpstreamConnection conn = pool.acquire(Duration.ofSeconds(2).toNanos(), false);
        conn.stallLimit(Duration.ofSeconds(5).toNanos());
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                conn.fill();
            } catch (java.io.IOException expected) {
                // closed by the watchdog
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (reader.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);                                          // until blocked in the read
        }
        long t0 = System.nanoTime();
        watchdog.scan(t0);                                            // first sight of the blocked read
        watchdog.scan(t0 + Duration.ofSeconds(4).toNanos());
        assertTrue(reader.isAlive());
        watchdog.scan(t0 + Duration.ofSeconds(6).toNanos());
        reader.join(Duration.ofSeconds(5));
        assertTrue(!reader.isAlive() && conn.timedOut());
        pool.release(conn, true);
        assertEquals(0, pool.openConnections(), "a timed-out connection is never pooled");
    }

    private void awaitUpstreamClosedAll() throws InterruptedException {
        for (int i = 0; i < 500 && upstream.openNow.get() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, upstream.openNow.get());
        Thread.sleep(50);                 // let the FIN reach the proxy's socket
    }
}
