package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/**
 * A certificate with an RSA and an ECDSA P-256 pair (issue 23): a client that accepts ECDSA gets
 * the ECDSA certificate, a client limited to RSA signatures gets the RSA one, on TLS 1.3 and 1.2.
 */
class TlsDualCertificateTest {
    private static final String SNI = "dual.test.invalid";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jsse", "conscrypt"})
    void theClientsSignatureSchemesPickThePair(String provider, @TempDir Path dir) throws Exception {
        TestCertificates rsa = TestCertificates.generate(dir, "rsa", "RSA", SNI);
        TestCertificates ec = TestCertificates.generate(dir, "ec", "EC", SNI);
        SSLContext client = TestCertificates.trusting(rsa, ec);
        WebServer backend = EchoBackend.start("secure", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                certificates:
                  - id: dual
                    snis: [%s]
                    cert_file: %s
                    key_file: %s
                    ecdsa_cert_file: %s
                    ecdsa_key_file: %s
                """.formatted(backend.port(), SNI, rsa.certFile(), rsa.keyFile(), ec.certFile(), ec.keyFile()),
                "--tls-provider", provider)) {
            int port = node.node.httpsPort();
            if (provider.equals("conscrypt")) {
                // BoringSSL (Conscrypt 2.5) holds one pair per handshake, chosen before the client's
                // signature schemes are known: the ECDSA pair for every client, RSA-only ones refused
                assertEquals(ec.certificate(), presented(client, port, "TLSv1.3", null, null), "default client");
                assertEquals(ec.certificate(), presented(client, port, "TLSv1.2", null, null), "TLS 1.2 default client");
                assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> presented(client, port, "TLSv1.3",
                        new String[] {"rsa_pss_rsae_sha256", "rsa_pkcs1_sha256"}, null), "RSA-only client");
                return;
            }
            // TLS 1.3: the client's signature schemes decide
            assertEquals(ec.certificate(), presented(client, port, "TLSv1.3", null, null), "default client");
            assertEquals(rsa.certificate(), presented(client, port, "TLSv1.3",
                    new String[] {"rsa_pss_rsae_sha256", "rsa_pkcs1_sha256"}, null), "RSA-only client");
            assertEquals(ec.certificate(), presented(client, port, "TLSv1.3",
                    new String[] {"ecdsa_secp256r1_sha256"}, null), "ECDSA-only client");
            // TLS 1.2: the cipher suite (ECDHE_ECDSA or ECDHE_RSA) decides
            assertEquals(ec.certificate(), presented(client, port, "TLSv1.2", null, null), "TLS 1.2 default client");
            assertEquals(rsa.certificate(), presented(client, port, "TLSv1.2", null,
                    new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}), "TLS 1.2 RSA-only client");
            String ecdsa = sClient(port);
            if (ecdsa != null) { // openssl installed
                assertTrue(ecdsa.contains("Peer signature type: ECDSA"), ecdsa);
                String rsaOnly = sClient(port, "-sigalgs", "RSA-PSS+SHA256");
                assertTrue(rsaOnly.contains("Peer signature type: RSA-PSS"), rsaOnly);
                assertTrue(rsaOnly.contains("HTTP/1.1 200"), rsaOnly);
            }
        } finally {
            backend.stop();
        }
    }

    private static X509Certificate presented(SSLContext client, int port, String protocol, String[] signatureSchemes,
                                             String[] cipherSuites) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(SNI)));
            params.setProtocols(new String[] {protocol});
            if (signatureSchemes != null) {
                params.setSignatureSchemes(signatureSchemes);
            }
            if (cipherSuites != null) {
                params.setCipherSuites(cipherSuites);
            }
            socket.setSSLParameters(params);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + SNI + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = RunningNode.readResponse(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertEquals(protocol, socket.getSession().getProtocol());
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** openssl s_client output for one request, or null without openssl. */
    private static String sClient(int port, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", SNI, "-ign_eof"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return null;
        }
        process.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + SNI + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                return new byte[0];
            }
        });
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroy();
        }
        return new String(out.get(15, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }
}
