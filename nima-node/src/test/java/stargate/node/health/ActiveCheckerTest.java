package stargate.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.model.Upstream;

/**
 * The probe schedule driven with explicit times ({@code runDue(now)}), probing real loopback sockets on
 * the test's thread.
 */
class ActiveCheckerTest {
    private static final long MS = 1_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

    private ServerSocket server;
    private final AtomicReference<String> statusLine = new AtomicReference<>("HTTP/1.1 200 OK");
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    byte[] head = new byte[512];
                    in.read(head);
                    served.incrementAndGet();
                    out.write((statusLine.get() + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // closed by the test
                }
            }
        });
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    private static Upstream.ActiveCheck check(String type, long intervalMs, List<Integer> statuses) {
        return new Upstream.ActiveCheck(type, "/healthz", Duration.ofMillis(intervalMs), Duration.ofMillis(500), 1, 2,
                statuses);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Test
    void thousandTargetsAreSpreadOverTheFirstInterval() {
        AtomicInteger launched = new AtomicInteger();
        Executor countOnly = task -> launched.incrementAndGet();
        try (ActiveChecker checker = new ActiveChecker(countOnly, CLOCK, new SplittableRandom(7))) {
            Map<ActiveChecker.Key, ActiveChecker.Spec> wanted = new HashMap<>();
            for (int i = 0; i < 1000; i++) {
                String target = "http://10.0.0." + (i % 250) + ":" + (8000 + i / 250);
                wanted.put(new ActiveChecker.Key("up", target),
                        new ActiveChecker.Spec(check("tcp", 1000, null), null, new TargetHealth(target)));
            }
            checker.reconcile(wanted, 0);
            int previous = 0;
            for (int tenth = 1; tenth <= 10; tenth++) {
                long wait = checker.runDue(tenth * 100 * MS);
                int inThisTenth = launched.get() - previous;
                previous = launched.get();
                assertTrue(inThisTenth >= 50 && inThisTenth <= 150,
                        "tenth " + tenth + " of the interval launched " + inThisTenth + " probes, expected about 100");
                assertTrue(wait <= 100 * MS || tenth == 10);
            }
            assertEquals(1000, launched.get(), "every target probed once in its first interval");
        }
    }

    @Test
    void aCheckRunsEveryIntervalAndItsThresholdsMoveTheTarget() {
        TargetHealth health = new TargetHealth("up " + url());
        try (ActiveChecker checker = new ActiveChecker(Runnable::run, CLOCK, new SplittableRandom(1))) {
            checker.reconcile(Map.of(new ActiveChecker.Key("up", url()),
                    new ActiveChecker.Spec(check("http", 1000, List.of(200)), null, health)), 0);
            long now = checker.runDue(0);               // nothing due yet: returns the jittered wait
            assertTrue(now >= 0 && now < 1000 * MS, "first probe within the first interval: " + now);
            checker.runDue(now);
            assertEquals(1, served.get());
            assertEquals("status 200", health.lastCheck().detail());
            assertEquals(1000 * MS, checker.runDue(now), "next one a full interval after the launch");

            statusLine.set("HTTP/1.1 503 Service Unavailable");
            checker.runDue(now + 1000 * MS);
            assertTrue(health.eligible(0), "one failure of the two needed");
            checker.runDue(now + 2000 * MS);
            assertFalse(health.eligible(0));
            assertEquals("status 503", health.lastCheck().detail());

            statusLine.set("HTTP/1.1 200 OK");
            checker.runDue(now + 3000 * MS);
            assertTrue(health.eligible(0), "healthy: 1 success needed");
            assertEquals(4, served.get());
        }
    }

    @Test
    void aTcpCheckOfAClosedPortFails() throws IOException {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        String target = "http://127.0.0.1:" + closedPort;
        TargetHealth health = new TargetHealth("up " + target);
        try (ActiveChecker checker = new ActiveChecker(Runnable::run, CLOCK, new SplittableRandom(1))) {
            checker.reconcile(Map.of(new ActiveChecker.Key("up", target),
                    new ActiveChecker.Spec(check("tcp", 100, null), null, health)), 0);
            for (int i = 1; i <= 3; i++) {
                checker.runDue(i * 100 * MS);
            }
            assertFalse(health.eligible(0));
            assertFalse(health.lastCheck().success());
        }
    }

    @Test
    void aRemovedCheckStopsAndAChangedOneRestartsWithItsNewSpec() {
        AtomicInteger launched = new AtomicInteger();
        Executor countOnly = task -> launched.incrementAndGet();
        TargetHealth health = new TargetHealth("up " + url());
        ActiveChecker.Key key = new ActiveChecker.Key("up", url());
        try (ActiveChecker checker = new ActiveChecker(countOnly, CLOCK, new SplittableRandom(3))) {
            checker.reconcile(Map.of(key, new ActiveChecker.Spec(check("http", 60_000, List.of(200)), null, health)), 0);
            assertTrue(checker.runDue(0) > 0);

            checker.reconcile(Map.of(key, new ActiveChecker.Spec(check("http", 100, List.of(200)), null, health)), 0);
            assertTrue(checker.runDue(0) < 100 * MS, "the new 100 ms interval applies at once");

            checker.reconcile(Map.of(), 0);
            assertEquals(0, checker.size());
            assertEquals(Long.MAX_VALUE, checker.runDue(Long.MAX_VALUE / 2));
            assertEquals(0, launched.get());
        }
    }
}
