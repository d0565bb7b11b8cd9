package stargate.node.proxy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.model.Upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** https targets: SNI, trust from ca_file, hostname verification, verify: false; against a keytool self-signed cert. */
class HttpsTargetTest {
    @TempDir
    static Path dir;
    private static Path caFile;
    private static FakeUpstream upstream;
    private static ProxyFront front;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("upstream.p12");
        caFile = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "upstream", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost",
                "-validity", "2", "-keystore", keystore.toString(), "-storepass", "changeit", "-storetype", "PKCS12");
        keytool("-exportcert", "-rfc", "-alias", "upstream", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", caFile.toString());

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstream = FakeUpstream.http(server, (request, out) -> FakeUpstream.ok("secure").respond(request, out));
        front = new ProxyFront();
    }

    @AfterAll
    static void stop() throws Exception {
        front.close();
        upstream.close();
    }

    @AfterEach
    void closePool() {
        front.pool.close();
        front.pool = null;
    }

    private static RawClient.Response through(String target, Upstream.Tls tls) throws Exception {
        front.pool = TargetPool.create(target, Upstream.Pool.DEFAULT, tls);
        upstream.requests.clear();
        upstream.serverNames.clear();
        return RawClient.send(front.port(), "GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    @Test
    void aCertificateTrustedThroughCaFileIsAcceptedWithSniAndTheRightName() throws Exception {
        RawClient.Response response = through("https://localhost:" + upstream.port(),
                                               new Upstream.Tls(true, caFile.toString(), null, null));
        assertEquals(200, response.status());
        assertEquals("secure", response.bodyText());
        assertEquals("localhost", upstream.nextRequest().header("Host").split(":")[0]);
        assertTrue(upstream.serverNames.contains("localhost"), upstream.serverNames.toString());
    }

    @Test
    void anUntrustedCertificateAnswers502() throws Exception {
        RawClient.Response response = through("https://localhost:" + upstream.port(), null);
        assertEquals(502, response.status());
        assertTrue(response.bodyText().contains("upstream_unreachable"), response.bodyText());
    }

    @Test
    void aTrustedCertificateForAnotherNameAnswers502() throws Exception {
        RawClient.Response response = through("https://127.0.0.1:" + upstream.port(),
                                               new Upstream.Tls(true, caFile.toString(), null, null));
        assertEquals(502, response.status());
    }

    @Test
    void verifyFalseAcceptsAnyCertificate() throws Exception {
        RawClient.Response response = through("https://127.0.0.1:" + upstream.port(), new Upstream.Tls(false, null, null, null));
        assertEquals(200, response.status());
        assertEquals("secure", response.bodyText());
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "keytool hung");
        assertEquals(0, process.exitValue(), output);
    }
}
