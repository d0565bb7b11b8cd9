package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.demo.EchoBackend;

/**
 * TLS termination with the certificate chosen by SNI, from the config's PEM files, and sessions
 * resumed; with either TLS provider ({@code --tls-provider jsse|conscrypt}).
 */
class TlsSniTest {
    private static Path resource(String name) throws Exception {
        return Path.of(TlsSniTest.class.getResource("/tls/" + name).toURI());
    }

    @ParameterizedTest(name = "{0}: SNI {1} gets the certificate of {2}")
    @CsvSource({"jsse, alpha.test.invalid, alpha.test.invalid", "jsse, api.beta.test.invalid, beta.test.invalid",
        "jsse, unknown.test.invalid, alpha.test.invalid", "conscrypt, alpha.test.invalid, alpha.test.invalid",
        "conscrypt, api.beta.test.invalid, beta.test.invalid", "conscrypt, unknown.test.invalid, alpha.test.invalid"})
    void certificateFollowsTheSniName(String provider, String sni, String expectedCn, @TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("secure", "127.0.0.1", 0);
        String betaCert = Files.readString(resource("beta-fake-cert.pem")).replace("\n", "\n      ");
        String betaKey = Files.readString(resource("beta-fake-key.pem")).replace("\n", "\n      ");
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                certificates:
                  - id: alpha
                    snis: [alpha.test.invalid, "*.alpha.test.invalid"]
                    cert_file: %s
                    key_file: %s
                  - id: beta
                    snis: ["*.beta.test.invalid"]
                    cert: |
                      %s
                    key: |
                      %s
                """.formatted(backend.port(), resource("alpha-fake-cert.pem"), resource("alpha-fake-key.pem"),
                betaCert, betaKey), "--tls-provider", provider)) {
            assertTrue(node.node.httpsPort() > 0, "https listener open");
            try (SSLSocket socket = (SSLSocket) trustingBoth().getSocketFactory()
                    .createSocket("127.0.0.1", node.node.httpsPort())) {
                SSLParameters params = socket.getSSLParameters();
                params.setServerNames(List.of(new SNIHostName(sni)));
                socket.setSSLParameters(params);
                socket.setSoTimeout(5_000);
                socket.startHandshake();
                X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                assertEquals("CN=" + expectedCn, presented.getSubjectX500Principal().getName());

                socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + sni + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = RunningNode.readResponse(socket.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertTrue(answer.contains("\"backend\":\"secure\""), answer);
            }
        } finally {
            backend.stop();
        }
    }

    /**
     * A client that keeps its session resumes it on the next connection (TLS 1.2 session ticket,
     * TLS 1.3 PSK ticket): the server skips the certificate and its signature. JSSE's client marks
     * nothing as resumed, so the sign is that the second connection carries the first one's session
     * (same id and creation time); openssl s_client prints "Reused" (checked when it is installed).
     */
    @ParameterizedTest(name = "{0}, {1}: a second connection resumes the session")
    @CsvSource({"jsse, TLSv1.2", "jsse, TLSv1.3", "conscrypt, TLSv1.2", "conscrypt, TLSv1.3"})
    void sessionsResume(String provider, String protocol, @TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("secure", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, alphaOnly(backend.port()), "--tls-provider", provider)) {
            SSLContext client = trustingBoth();
            SSLSession[] sessions = new SSLSession[3];
            for (int i = 0; i < sessions.length; i++) {
                try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", node.node.httpsPort())) {
                    SSLParameters params = socket.getSSLParameters();
                    params.setServerNames(List.of(new SNIHostName("alpha.test.invalid")));
                    params.setProtocols(new String[] {protocol});
                    socket.setSSLParameters(params);
                    socket.setSoTimeout(5_000);
                    // a whole exchange, so that a TLS 1.3 ticket (sent after the handshake) is read
                    socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: alpha.test.invalid\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    assertTrue(RunningNode.readResponse(socket.getInputStream()).startsWith("HTTP/1.1 200"));
                    sessions[i] = socket.getSession();
                    assertEquals(protocol, sessions[i].getProtocol());
                }
            }
            // TLS 1.2: every connection resumes the first session. TLS 1.3: each connection stores
            // the ticket it was sent as a new client session, which the next connection resumes.
            for (int i = 1; i < sessions.length; i++) {
                SSLSession before = sessions[protocol.equals("TLSv1.2") ? 0 : i - 1];
                SSLSession after = sessions[i];
                assertTrue(before.getCreationTime() <= after.getCreationTime());
                assertTrue(java.util.Arrays.equals(before.getId(), after.getId())
                        || before.getCreationTime() == after.getCreationTime() && protocol.equals("TLSv1.3"),
                        "connection " + (i + 1) + " resumed: " + java.util.HexFormat.of().formatHex(after.getId()));
            }
            assertOpensslReuses(node.node.httpsPort(), protocol.equals("TLSv1.2") ? "-tls1_2" : "-tls1_3", dir);
        } finally {
            backend.stop();
        }
    }

    /** One route to the backend, one certificate (alpha.test.invalid). */
    private static String alphaOnly(int backendPort) throws Exception {
        return """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:%d"}]
                certificates:
                  - id: alpha
                    snis: [alpha.test.invalid]
                    cert_file: %s
                    key_file: %s
                """.formatted(backendPort, resource("alpha-fake-cert.pem"), resource("alpha-fake-key.pem"));
    }

    /** HTTP/2 is chosen by ALPN with either provider (the JDK client offers h2 and http/1.1). */
    @ParameterizedTest(name = "{0}: h2 by ALPN")
    @CsvSource({"jsse", "conscrypt"})
    void http2ByAlpn(String provider, @TempDir Path dir) throws Exception {
        WebServer backend = EchoBackend.start("secure", "127.0.0.1", 0);
        try (RunningNode node = RunningNode.start(dir, alphaOnly(backend.port()), "--tls-provider", provider)) {
            int port = node.node.httpsPort();
            Process curl = new ProcessBuilder("curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                    "--resolve", "alpha.test.invalid:" + port + ":127.0.0.1", "https://alpha.test.invalid:" + port + "/hello")
                    .redirectErrorStream(true).start();
            assertTrue(curl.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "curl ended");
            assertEquals("2 200", new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            backend.stop();
        }
    }

    @org.junit.jupiter.api.Test
    void anUnknownProviderIsRefused() {
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NodeOptions.parse(List.of("--config", "x.yaml", "--tls-provider", "openssl"), java.util.Map.of()));
        assertEquals("--tls-provider must be jsse or conscrypt, got \"openssl\"", refused.getMessage());
    }

    /** openssl s_client: a session saved by one connection is "Reused" by the next (skipped without openssl). */
    private static void assertOpensslReuses(int port, String version, Path dir) throws Exception {
        Path session = dir.resolve("session.pem");
        String first = sClient(port, version, "-sess_out", session.toString());
        if (first == null) {
            return; // no openssl on this machine
        }
        assertTrue(first.contains("New, TLSv1"), first);
        String second = sClient(port, version, "-sess_in", session.toString());
        assertTrue(second.contains("Reused, TLSv1"), second);
    }

    private static String sClient(int port, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "alpha.test.invalid"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return null;
        }
        // a request, so that the TLS 1.3 ticket arrives before s_client saves the session
        process.getOutputStream().write("GET / HTTP/1.1\r\nHost: alpha.test.invalid\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().flush();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        return out;
    }


    /** A client that trusts exactly the two fake test certificates. */
    private static SSLContext trustingBoth() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (String name : List.of("alpha", "beta")) {
            try (InputStream in = Files.newInputStream(resource(name + "-fake-cert.pem"))) {
                trust.setCertificateEntry(name, factory.generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
