package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/**
 * SPEC §24: the https listener follows the config. A node started without certificates opens the
 * https port when the first one arrives (here by a config file rewrite; etcd and Git arrive the same
 * way, as applied snapshots), keeps it open when the last one goes (handshakes then fail with
 * {@code unrecognized_name}), and serves again when one comes back.
 */
class HttpsFollowsConfigTest {
    private static final String SNI = "late.test.invalid";

    private static String config(int backendPort, TestCertificates cert) {
        String yaml = """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                """.formatted(backendPort);
        return cert == null ? yaml : yaml + """
                certificates:
                  - id: late
                    snis: [%s]
                    cert_file: %s
                    key_file: %s
                """.formatted(SNI, cert.certFile(), cert.keyFile());
    }

    @Test
    void firstCertificateOpensHttpsAndTheLastOneLeavesItOpen(@TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "late", "RSA", SNI);
        SSLContext client = TestCertificates.trusting(cert);
        WebServer backend = EchoBackend.start("secure", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, config(backend.port(), null))) {
            assertEquals(-1, node.node.httpsPort(), "no https listener without certificates");

            node.rewrite(config(backend.port(), cert));
            RunningNode.eventually(Duration.ofSeconds(10), () -> assertTrue(node.node.httpsPort() > 0));
            int port = node.node.httpsPort();
            assertServes(client, port, cert.certificate());
            // keytool's certificate is valid for 2 days: the expiry gauge says when, so an alert can fire in time
            String expiry = "stargate_certificate_expiry_seconds{id=\"late\",sni=\"" + SNI + "\"} "
                    + cert.certificate().getNotAfter().toInstant().getEpochSecond() + "\n";
            assertTrue(node.adminGet("/metrics").body().contains(expiry), expiry);

            node.rewrite(config(backend.port(), null));
            RunningNode.eventually(Duration.ofSeconds(10), () -> {
                SSLHandshakeException refused = assertThrows(SSLHandshakeException.class, () -> handshake(client, port));
                assertTrue(String.valueOf(refused.getMessage()).contains("unrecognized_name"), refused.toString());
            });
            assertEquals(port, node.node.httpsPort(), "the https port stays open");
            assertTrue(!node.adminGet("/metrics").body().contains("stargate_certificate_expiry_seconds{"),
                    "no expiry for a certificate no longer served");
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }
            assertTrue(node.adminGet("/health/ready").statusCode() == 200, "still ready");

            node.rewrite(config(backend.port(), cert));
            RunningNode.eventually(Duration.ofSeconds(10), () -> {
                try {
                    assertServes(client, port, cert.certificate());
                } catch (SSLHandshakeException notYet) {
                    throw new AssertionError("not serving yet", notYet);
                }
            });
            assertEquals(port, node.node.httpsPort());
        } finally {
            backend.stop();
        }
    }

    private static SSLSocket handshake(SSLContext client, int port) throws Exception {
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        try {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(SNI)));
            socket.setSSLParameters(params);
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return socket;
        } catch (Exception e) {
            socket.close();
            throw e;
        }
    }

    private static void assertServes(SSLContext client, int port, X509Certificate expected) throws Exception {
        try (SSLSocket socket = handshake(client, port)) {
            assertEquals(expected, socket.getSession().getPeerCertificates()[0]);
            socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + SNI + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = RunningNode.readResponse(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("\"backend\":\"secure\""), answer);
        }
    }

}
