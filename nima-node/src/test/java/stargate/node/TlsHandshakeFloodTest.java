package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handshake flood from a few addresses must not starve another client's handshake (the handshake
 * workers, attacked). 400 attacker connections from two addresses each send one real ClientHello (recorded
 * once from the JDK's client and replayed: the node still does a whole handshake, an RSA signature, for
 * each), wait for the node's answer and start over, so the node's handshake queue stays 400 deep. A
 * well-behaved client from another address meanwhile opens fresh TLS connections one after another. First
 * come, first served made it wait as long as each attacker connection (about 400 steps), or longer; with
 * the clients taking turns it waits for about one step per attacker address in each of its turns. Asserted
 * as a ratio to the attacker's own wait in the same run, so a loaded box slows both alike. Also: thousands of clients leaving mid-handshake
 * log no stack trace each. Bounded: 20 s of flood at most, both providers.
 */
class TlsHandshakeFloodTest {
    private static final Logger LOG = Logger.getLogger(TlsHandshakeFloodTest.class.getName());
    private static final int ATTACKER_ADDRESSES = 2;
    /** 200 on 2 cores; more where the node has more handshake workers (one per CPU), so the flood still queues. */
    private static final int CONNECTIONS_PER_ADDRESS = 100 * Math.max(2, Runtime.getRuntime().availableProcessors());
    private static final int CHECKS = 6;

    @ParameterizedTest
    @ValueSource(strings = {"jsse", "conscrypt"})
    void aHandshakeFloodFromAFewAddressesDoesNotStarveAnotherClient(String provider, @TempDir Path dir) throws Exception {
        List<LogRecord> traces = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null && record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    traces.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(capture);
        WebServer backend = stargate.node.demo.EchoBackend.start("echo", "127.0.0.1", 0);
        TestCertificates cert = TestCertificates.generate(dir, "flood", "RSA", "localhost");
        SSLContext trusting = TestCertificates.trusting(cert);
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                certificates:
                  - id: flood
                    snis: [localhost]
                    cert_file: %s
                    key_file: %s
                """.formatted(backend.port(), cert.certFile(), cert.keyFile()),
                "--tls-provider", provider, "--client-header-timeout", "30s")) {
            int port = node.node.httpsPort();
            long quietMs = 0;
            for (int i = 0; i < 3; i++) {       // warm both sides, then the quiet figure of this run
                quietMs = wellBehavedRequest(trusting, port, "/quiet");
            }
            byte[] hello = clientHello(trusting);
            AtomicBoolean flooding = new AtomicBoolean(true);
            List<Long> attackerMs = new CopyOnWriteArrayList<>();
            // platform threads: the attacker stands for other machines, it must not compete for the node's carriers
            ExecutorService attackers = Executors.newFixedThreadPool(ATTACKER_ADDRESSES * CONNECTIONS_PER_ADDRESS);
            long floodEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int a = 0; a < ATTACKER_ADDRESSES; a++) {
                InetAddress from = InetAddress.getByName("127.0.0." + (2 + a));
                for (int t = 0; t < CONNECTIONS_PER_ADDRESS; t++) {
                    attackers.submit(() -> {
                        // closed loop: each of the attacker's connections sends its ClientHello, waits for the
                        // node's answer (its handshake step ran), and starts over on a new connection
                        while (flooding.get() && System.nanoTime() < floodEnds) {
                            long start = System.nanoTime();
                            try (Socket socket = new Socket()) {
                                socket.bind(new InetSocketAddress(from, 0));
                                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                                socket.setSoTimeout(20_000);
                                socket.getOutputStream().write(hello);
                                if (socket.getInputStream().read() >= 0) {
                                    attackerMs.add((System.nanoTime() - start) / 1_000_000);
                                }
                            } catch (IOException refusedOrReset) {
                                // try again
                            }
                        }
                        return null;
                    });
                }
            }
            List<Long> floodedMs = new ArrayList<>();
            try {
                Thread.sleep(3_000);        // the node's handshake queue fills up first
                for (int i = 0; i < CHECKS; i++) {
                    floodedMs.add(wellBehavedRequest(trusting, port, "/flooded/" + i));
                }
            } finally {
                flooding.set(false);
                attackers.shutdown();
                assertTrue(attackers.awaitTermination(60, TimeUnit.SECONDS));
            }
            long median = median(floodedMs);
            long attackerMedian = median(attackerMs);
            LOG.info("provider=" + provider + " attacker_handshakes=" + attackerMs.size() + " attacker_median_ms="
                    + attackerMedian + " quiet_ms=" + quietMs + " flooded_ms=" + floodedMs);
            assertTrue(attackerMedian >= 100, "the flood queued handshakes (else this proves nothing): the attacker's "
                    + "median wait was " + attackerMedian + " ms");
            // First come, first served: the well-behaved client waited as long as each attacker connection (JSSE:
            // 1.0x its median) or longer (Conscrypt: ~3x; its handshake takes several turns on the workers, each
            // queued anew, where an attacker's takes one). In turns: JSSE ~0.05x; Conscrypt 0.2-0.7x, its extra
            // turns and a busy box's noise being most of what is left.
            // Conscrypt's bound leaves room for that noise (0.67x seen once) and still fails first come, first served (~3x)
            double allowed = provider.equals("jsse") ? attackerMedian / 3.0 : attackerMedian * 1.5;
            assertTrue(median < allowed, "a handshake beside the flood took " + median + " ms (median), the "
                    + "attacker's " + attackerMedian + " ms (quiet: " + quietMs + " ms): " + floodedMs);
            // thousands of clients leaving mid-handshake are no stack trace each (was: Helidon's "unexpected I/O exception")
            assertEquals(List.of(), traces.stream().limit(3).map(r -> r.getLoggerName() + ": " + r.getMessage() + " "
                    + r.getThrown()).toList());
        } finally {
            Logger.getLogger("").removeHandler(capture);
            backend.stop();
        }
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().skip(values.size() / 2).findFirst().orElseThrow();
    }

    /** One request on a new TLS connection from 127.0.0.1: answered 200; returns how long it took (ms). */
    private static long wellBehavedRequest(SSLContext trusting, int port, String path) throws Exception {
        long start = System.nanoTime();
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(15_000);
            SSLParameters sni = socket.getSSLParameters();
            sni.setServerNames(List.of(new SNIHostName("localhost")));
            socket.setSSLParameters(sni);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = RunningNode.readResponse(in);
            assertTrue(answer.startsWith("HTTP/1.1 200 "), "answered: " + answer);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The first flight of a TLS 1.3 client (SNI localhost, a key share): what each attacker connection replays. */
    private static byte[] clientHello(SSLContext trusting) throws Exception {
        SSLEngine client = trusting.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        ByteBuffer hello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), hello);
        byte[] bytes = new byte[hello.position()];
        hello.flip().get(bytes);
        assertEquals(0x16, bytes[0], "a handshake record");
        return bytes;
    }
}
