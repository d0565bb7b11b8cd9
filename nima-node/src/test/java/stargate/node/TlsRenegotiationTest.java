package stargate.node;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS 1.2 client cannot make the node renegotiate: each renegotiation is a full handshake (an RSA
 * signature) at the client's command, as often as it likes on one connection, past the connection limits.
 * The node is its own process, started as operators start it ({@link Main}), since JSSE reads the switch
 * once per JVM, at its first server handshake. Conscrypt (BoringSSL) refuses renegotiation of its own;
 * both providers are tried.
 */
class TlsRenegotiationTest {
    @ParameterizedTest
    @ValueSource(strings = {"jsse", "conscrypt"})
    void aClientInitiatedRenegotiationIsRefused(String provider, @TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "node", "RSA", "node.test.invalid");
        int https = freePort();
        Path config = dir.resolve("node.yaml");
        Files.writeString(config, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:9"}]
                certificates:
                  - {id: c, snis: [node.test.invalid], cert_file: %s, key_file: %s}
                """.formatted(cert.certFile(), cert.keyFile()));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process node = new ProcessBuilder(java.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "node", "--config", config.toString(), "--host", "127.0.0.1", "--port", "0",
                "--https-port", String.valueOf(https), "--admin-port", "0", "--access-log", "off", "--tls-provider", provider)
                .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
        try {
            try (SSLSocket socket = connect(cert, https)) {
                socket.startHandshake();
                assertTrue(answers(socket), "a first request is answered");
                socket.startHandshake();        // TLS 1.2: the client asks for a new handshake
                // refused at once with an alert (JSSE's default would take the handshake on, or leave the client waiting)
                javax.net.ssl.SSLHandshakeException refused = assertThrows(javax.net.ssl.SSLHandshakeException.class,
                        () -> answers(socket), "renegotiation refused with an alert");
                // JSSE (jdk.tls.rejectClientInitiatedRenegotiation): handshake_failure; BoringSSL: no_renegotiation
                assertTrue(refused.getMessage().contains(provider.equals("jsse") ? "handshake_failure" : "no_renegotiation"),
                        refused.getMessage());
            }
            try (SSLSocket socket = connect(cert, https)) {
                assertTrue(answers(socket), "the node serves new connections as before");
            }
        } finally {
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A TLS 1.2 connection, retried while the node starts. */
    private static SSLSocket connect(TestCertificates cert, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Socket tcp = new Socket();
            try {
                tcp.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            } catch (IOException notYet) {
                tcp.close();
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(200);
                continue;
            }
            SSLSocket ssl = (SSLSocket) TestCertificates.trusting(cert).getSocketFactory()
                    .createSocket(tcp, "node.test.invalid", port, true);
            ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
            ssl.setSoTimeout(15_000);
            return ssl;
        }
    }

    /** Sends a request and reads the status line: true for any HTTP answer (the upstream is down: a 502). */
    private static boolean answers(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: node.test.invalid\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        byte[] head = new byte[12];
        int n = in.readNBytes(head, 0, head.length);
        String status = new String(head, 0, n, StandardCharsets.US_ASCII);
        if (n < head.length) {
            throw new IOException("connection ended after \"" + status + "\"");
        }
        // drain the rest of this answer: the 502 is JSON with a Content-Length, small enough for one read
        in.read(new byte[8192]);
        return status.startsWith("HTTP/1.1 ");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
