package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.node.demo.EchoBackend;

/**
 * TLS 1.3 KeyUpdate floods (RFC 8446 §4.6.3): after its handshake a client sends KeyUpdate messages with
 * {@code update_requested}, each making the node derive new keys and answer with a KeyUpdate of its own.
 * openssl s_client sends one per {@code K} line on its standard input. Tried on both TLS providers.
 *
 * <p>Before the node bounded them, JSSE answered every one (3,225 of 3,225 in 6 s on one connection that
 * made no request) at ~5x the sender's CPU; Conscrypt (BoringSSL) ended the connection after 32 in a row.
 * Now both end it past 32 records in a row without application data, and KeyUpdates between requests are
 * served as before.
 */
class TlsKeyUpdateFloodTest {
    private static final String SNI = "node.test.invalid";
    private static final int MAX_UPDATES = 4_000;
    private static final Duration FLOOD_FOR = Duration.ofSeconds(6);
    /** BoringSSL's bound, which the node applies on both providers (RecordsWithoutData, package-private in listener). */
    private static final int RECORDS_BOUND = 32;

    @ParameterizedTest
    @ValueSource(strings = {"jsse", "conscrypt"})
    void aKeyUpdateFloodIsBoundedAndOthersAreServed(String provider, @TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "node", "RSA", SNI);
        WebServer backend = EchoBackend.start("kb", "127.0.0.1", 0);
        try (RunningNode node = startTlsNode(dir, cert, provider, backend)) {
            int https = node.node.httpsPort();
            Path out = dir.resolve("s_client.log");
            Process attacker = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + https,
                    "-servername", SNI, "-tls1_3", "-msg")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                awaitLine(out, "Verify return code", Duration.ofSeconds(20));
                OutputStream commands = attacker.getOutputStream();
                long nodeCpuBefore = processCpuNanos();
                long attackerCpuBefore = cpuNanos(attacker);
                int sent = keyUpdates(commands, MAX_UPDATES, FLOOD_FOR);
                Thread.sleep(300);
                long nodeCpu = processCpuNanos() - nodeCpuBefore;
                long attackerCpu = cpuNanos(attacker) - attackerCpuBefore;
                List<String> lines = Files.readAllLines(out, StandardCharsets.ISO_8859_1);
                long updatesSent = lines.stream().filter(l -> l.startsWith(">>> ") && l.contains("KeyUpdate")).count();
                long updatesAnswered = lines.stream().filter(l -> l.startsWith("<<< ") && l.contains("KeyUpdate")).count();
                boolean alive = attacker.isAlive();
                System.out.printf("event=key_update_flood provider=%s k_lines=%d key_updates_sent=%d answered=%d "
                                + "connection_open=%s node_process_cpu_ms=%d s_client_cpu_ms=%d%n", provider, sent,
                        updatesSent, updatesAnswered, alive, nodeCpu / 1_000_000, attackerCpu / 1_000_000);
                assertTrue(updatesSent > RECORDS_BOUND, "s_client sent KeyUpdates: " + updatesSent);
                assertFalse(alive, "the node kept a connection that sent " + updatesSent + " KeyUpdates and no request");
                assertTrue(updatesAnswered <= RECORDS_BOUND + 1, "the node answered " + updatesAnswered + " KeyUpdates");
                RunningNode.eventually(Duration.ofSeconds(10), () -> assertTrue(
                        node.adminGet("/metrics").body().contains("stargate_rejected_total{reason=\"tls_flood\"} 1"),
                        "counted in stargate_rejected_total{reason=\"tls_flood\"}"));
                // a well-behaved client beside a connection that goes on flooding (if the node kept it)
                Thread flood = Thread.ofVirtual().start(() -> keyUpdates(commands, MAX_UPDATES, FLOOD_FOR));
                long worstMs = 0;
                for (int i = 0; i < 20; i++) {
                    long t = System.nanoTime();
                    assertTrue(served(cert, https).startsWith("HTTP/1.1 200"), "a well-behaved client is served");
                    worstMs = Math.max(worstMs, (System.nanoTime() - t) / 1_000_000);
                }
                flood.join(FLOOD_FOR.toMillis() + 5_000);
                System.out.printf("event=key_update_flood_beside provider=%s served=20 worst_ms=%d%n", provider, worstMs);
            } finally {
                attacker.destroy();
                attacker.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            backend.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jsse", "conscrypt"})
    void keyUpdatesBetweenRequestsAreServed(String provider, @TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "node", "RSA", SNI);
        WebServer backend = EchoBackend.start("kb", "127.0.0.1", 0);
        try (RunningNode node = startTlsNode(dir, cert, provider, backend)) {
            Path out = dir.resolve("s_client.log");
            Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + node.node.httpsPort(),
                    "-servername", SNI, "-tls1_3", "-crlf")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                awaitLine(out, "Verify return code", Duration.ofSeconds(20));
                OutputStream commands = client.getOutputStream();
                int requests = RECORDS_BOUND + 8;       // more KeyUpdates in all than the bound, one between requests
                long answers = 0;
                for (int i = 1; i <= requests; i++) {
                    // each line waits for s_client to have acted on the last: it takes one command per read of its input
                    commands.write("K\n".getBytes(StandardCharsets.US_ASCII));
                    commands.flush();
                    awaitCount(out, "KEYUPDATE", i);
                    commands.write(("GET /ok HTTP/1.1\nHost: " + SNI + "\n\n").getBytes(StandardCharsets.US_ASCII));
                    commands.flush();
                    answers = awaitCount(out, "HTTP/1.1 200", i);
                }
                assertEquals(requests, answers, "every request between KeyUpdates was answered");
                assertTrue(client.isAlive(), "the connection is still open");
            } finally {
                client.destroy();
                client.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            backend.stop();
        }
    }

    /** Writes up to {@code count} K lines to s_client (one KeyUpdate each) for at most {@code duration}; how many went. */
    private static int keyUpdates(OutputStream commands, int count, Duration duration) {
        long start = System.nanoTime();
        int sent = 0;
        try {
            while (sent < count && System.nanoTime() - start < duration.toNanos()) {
                commands.write("K\n".getBytes(StandardCharsets.US_ASCII));
                commands.flush();
                sent++;
                LockSupport.parkNanos(100_000);      // s_client takes one command per read of its input
            }
        } catch (java.io.IOException ended) {
            // s_client ended: the node closed its connection
        }
        return sent;
    }

    private static String served(TestCertificates cert, int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) TestCertificates.trusting(cert).getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(SNI)));
            socket.setSSLParameters(params);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /ok HTTP/1.1\r\nHost: " + SNI + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return RunningNode.readResponse(socket.getInputStream());
        }
    }

    /** Waits (up to 20 s) until {@code count} lines of {@code file} start with {@code prefix}; returns how many do. */
    private static long awaitCount(Path file, String prefix, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long seen = 0;
        while (System.nanoTime() < deadline) {
            seen = Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream().filter(l -> l.startsWith(prefix)).count();
            if (seen >= count) {
                break;
            }
            Thread.sleep(10);
        }
        return seen;
    }

    private static void awaitLine(Path file, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.ISO_8859_1).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("s_client did not finish its handshake: " + Files.readString(file, StandardCharsets.ISO_8859_1));
    }

    /** CPU time of this JVM (the node runs in it; the s_client attacker does not). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long cpuNanos(Process process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** A node serving {@code cert} for {@link #SNI} on {@code provider}, in front of {@code backend}. */
    private static RunningNode startTlsNode(Path dir, TestCertificates cert, String provider, WebServer backend) throws Exception {
        return RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                certificates:
                  - {id: c, snis: [%s], cert_file: %s, key_file: %s}
                """.formatted(backend.port(), SNI, cert.certFile(), cert.keyFile()), "--tls-provider", provider);
    }
}
