package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCSP stapling (issue 23) against a real OCSP responder (openssl's, behind a loopback HTTP server) and
 * real clients asking for the staple ({@code openssl s_client -status}, the JDK's client): good and
 * revoked answers stapled on TLS 1.3 and 1.2, a swapped certificate's own answer, a responder that
 * hangs (handshakes go on at full speed, without a staple, until it answers), answers that do not
 * check out (garbage, too large, a signer the CA never delegated to), and the configs refused.
 */
class TlsOcspStaplingTest {
    @TempDir
    static Path dir;
    private static OcspTestResponder responder;
    private static Path[] good;
    private static Path[] revoked;
    private static Path[] renewed;

    @BeforeAll
    static void pki() throws Exception {
        responder = OcspTestResponder.start(dir);
        good = responder.leaf("good", "1001", false);
        revoked = responder.leaf("revoked", "1002", true);
        renewed = responder.leaf("renewed", "1003", false);
    }

    @AfterAll
    static void stop() {
        responder.close();
    }

    private static String certificate(String id, String sni, Path[] pair, boolean stapling) {
        return """
                  - id: %s
                    snis: [%s]
                    cert_file: %s
                    key_file: %s
                    ocsp_stapling: %s
                """.formatted(id, sni, pair[0], pair[1], stapling);
    }

    @Test
    void staplesGoodAndRevokedAnswersAndASwappedCertificatesOwn(@TempDir Path nodeDir) throws Exception {
        responder.mode(OcspTestResponder.Mode.ANSWER);
        try (RunningNode node = RunningNode.start(nodeDir, "certificates:\n"
                + certificate("good", "good.test.invalid", good, true)
                + certificate("revoked", "revoked.test.invalid", revoked, true), "--tls-provider", "conscrypt")) {
            int port = node.node.httpsPort();
            RunningNode.eventually(Duration.ofSeconds(20), () -> {
                String tls13 = sClient(port, "good.test.invalid", "-tls1_3");
                assertTrue(tls13.contains("OCSP Response Status: successful"), tls13);
                assertTrue(tls13.contains("Cert Status: good"), tls13);
                assertTrue(tls13.contains("Serial Number: 1001"), tls13);
            });
            String tls12 = sClient(port, "good.test.invalid", "-tls1_2");
            assertTrue(tls12.contains("Cert Status: good"), tls12);
            RunningNode.eventually(Duration.ofSeconds(20), () -> {
                String answer = sClient(port, "revoked.test.invalid", "-tls1_3");
                assertTrue(answer.contains("Cert Status: revoked"), answer);
                assertTrue(answer.contains("Serial Number: 1002"), answer);
            });
            String metrics = node.adminGet("/metrics").body();
            assertTrue(metrics.contains("stargate_ocsp_fetches_total{id=\"good\",result=\"good\"} 1"), metrics);
            assertTrue(metrics.contains("stargate_ocsp_fetches_total{id=\"revoked\",result=\"revoked\"} 1"), metrics);
            assertTrue(Pattern.compile("stargate_ocsp_staple_valid_until_seconds\\{id=\"good\"} [1-9]").matcher(metrics).find(),
                    metrics);

            // a renewed certificate under the same id gets its own answer, not the old one
            node.rewrite("certificates:\n" + certificate("good", "good.test.invalid", renewed, true));
            RunningNode.eventually(Duration.ofSeconds(20), () -> {
                String answer = sClient(port, "good.test.invalid", "-tls1_3");
                assertTrue(answer.contains("Serial Number: 1003"), answer);
                assertTrue(answer.contains("Cert Status: good"), answer);
            });
            RunningNode.eventually(Duration.ofSeconds(10), () -> assertFalse(node.adminGet("/metrics").body()
                    .contains("stargate_ocsp_staple_valid_until_seconds{id=\"revoked\"}"), "the removed certificate's fetch"));
        }
    }

    /**
     * While the responder accepts and never answers, handshakes go on without a staple and as many a
     * second as on a certificate without stapling; when it answers, the staple appears.
     */
    @Test
    void aHungResponderNeverStallsAHandshake(@TempDir Path nodeDir) throws Exception {
        responder.mode(OcspTestResponder.Mode.HANG);
        int before = responder.requests.get();
        try (RunningNode node = RunningNode.start(nodeDir, "certificates:\n"
                + certificate("stapled", "good.test.invalid", good, true)
                + certificate("plain", "renewed.test.invalid", renewed, false), "--tls-provider", "conscrypt")) {
            int port = node.node.httpsPort();
            RunningNode.eventually(Duration.ofSeconds(10), () -> assertTrue(responder.requests.get() > before));
            String none = sClient(port, "good.test.invalid", "-tls1_3");
            assertTrue(none.contains("OCSP response: no response sent"), none);

            handshakes(port, "renewed.test.invalid", Duration.ofMillis(500)); // warm-up
            Count[] plainAndHung = alternating(port, "good.test.invalid");
            Count plain = plainAndHung[0];
            Count hung = plainAndHung[1];
            assertEquals(0, hung.stapled(), "no staple while the responder hangs");
            // a handshake that waited for the responder would take its 10 s deadline
            assertTrue(hung.slowestMillis() < 8_000, "slowest handshake " + hung.slowestMillis() + " ms");
            assertTrue(hung.done() * 4 > plain.done(), "hung " + hung + " vs plain " + plain);

            responder.mode(OcspTestResponder.Mode.ANSWER);
            RunningNode.eventually(Duration.ofSeconds(30), () -> {
                String answer = sClient(port, "good.test.invalid", "-tls1_3");
                assertTrue(answer.contains("Cert Status: good"), answer);
            });
            Count[] plainAndStapled = alternating(port, "good.test.invalid");
            Count stapled = plainAndStapled[1];
            assertEquals(stapled.done(), stapled.stapled(), "every JDK client handshake got the staple");
            System.out.printf("ocsp stapling, full TLS 1.3 handshakes in 3 x 0.5 s, one client, alternating with a "
                    + "certificate without stapling: responder hung %s vs plain %s (%.2fx); stapled %s vs plain %s (%.2fx)%n",
                    hung, plain, (double) hung.done() / plain.done(), stapled, plainAndStapled[0],
                    (double) stapled.done() / plainAndStapled[0].done());
            String metrics = node.adminGet("/metrics").body();
            assertTrue(Pattern.compile("stargate_ocsp_fetches_total\\{id=\"stapled\",result=\"failed\"} [1-9]")
                    .matcher(metrics).find(), metrics);
        }
    }

    /** Answers that do not check out (garbage, too large, a signer the CA never delegated to) are never stapled. */
    @Test
    void answersThatDoNotCheckOutAreNotStapled(@TempDir Path nodeDir) throws Exception {
        for (OcspTestResponder.Mode mode : List.of(OcspTestResponder.Mode.GARBAGE, OcspTestResponder.Mode.HUGE,
                OcspTestResponder.Mode.STRANGER)) {
            responder.mode(mode);
            try (RunningNode node = RunningNode.start(nodeDir, "certificates:\n"
                    + certificate("good", "good.test.invalid", good, true), "--tls-provider", "conscrypt")) {
                RunningNode.eventually(Duration.ofSeconds(20), () -> assertTrue(failures(node) > 0, mode.name()));
                String answer = sClient(node.node.httpsPort(), "good.test.invalid", "-tls1_3");
                assertTrue(answer.contains("OCSP response: no response sent"), mode + ": " + answer);
            }
        }
    }

    @Test
    void configsThatCannotStapleAreRefused(@TempDir Path nodeDir) throws Exception {
        Path[] noIssuer = {dir.resolve("good.pem"), good[1]};
        Path[] noResponder = responder.leaf("noaia", "1004", false, null);
        Path[] ftp = responder.leaf("ftp", "1005", false, "OCSP;URI:ftp://127.0.0.1/ocsp");
        List<String[]> cases = List.of(
                new String[] {"jsse", certificate("good", "good.test.invalid", good, true),
                        "ocsp_stapling needs --tls-provider conscrypt"},
                new String[] {"conscrypt", certificate("good", "good.test.invalid", noIssuer, true),
                        "the chain must carry the certificate's issuer"},
                new String[] {"conscrypt", certificate("noaia", "noaia.test.invalid", noResponder, true),
                        "names no OCSP responder"},
                new String[] {"conscrypt", certificate("ftp", "ftp.test.invalid", ftp, true),
                        "must be an http or https URL with a host, got \"ftp://127.0.0.1/ocsp\""});
        for (String[] c : cases) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> RunningNode.start(nodeDir, "certificates:\n" + c[1], "--tls-provider", c[0]).close());
            assertTrue(refused.getMessage().contains(c[2]), refused.getMessage());
        }
    }

    private static long failures(RunningNode node) throws Exception {
        Matcher m = Pattern.compile("stargate_ocsp_fetches_total\\{id=\"good\",result=\"failed\"} (\\d+)")
                .matcher(node.adminGet("/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private record Count(int done, int stapled, long slowestMillis) {
        Count plus(Count more) {
            return new Count(done + more.done, stapled + more.stapled, Math.max(slowestMillis, more.slowestMillis));
        }
    }

    /** Handshakes on the certificate without stapling, then on {@code sni}'s, three times in turn (the box is shared). */
    private static Count[] alternating(int port, String sni) throws Exception {
        Count plain = new Count(0, 0, 0);
        Count other = new Count(0, 0, 0);
        for (int round = 0; round < 3; round++) {
            plain = plain.plus(handshakes(port, "renewed.test.invalid", Duration.ofMillis(500)));
            other = other.plus(handshakes(port, sni, Duration.ofMillis(500)));
        }
        return new Count[] {plain, other};
    }

    /** Full TLS 1.3 handshakes, one after the other, for {@code window}; each asks for a staple. */
    private static Count handshakes(int port, String sni, Duration window) throws Exception {
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, new TrustManager[] {new TrustingAll()}, new SecureRandom());
        int done = 0;
        int stapled = 0;
        long slowest = 0;
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end && done < 10_000) {
            long started = System.nanoTime();
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                SSLParameters params = socket.getSSLParameters();
                params.setServerNames(List.of(new SNIHostName(sni)));
                params.setProtocols(new String[] {"TLSv1.3"});
                socket.setSSLParameters(params);
                socket.setSoTimeout(15_000);
                socket.startHandshake();
                ExtendedSSLSession session = (ExtendedSSLSession) socket.getSession();
                stapled += session.getStatusResponses().isEmpty() ? 0 : 1;
                session.invalidate(); // the next one is a full handshake, where the certificate (and staple) is chosen
            }
            slowest = Math.max(slowest, (System.nanoTime() - started) / 1_000_000);
            done++;
        }
        return new Count(done, stapled, slowest);
    }

    /** The test checks what is stapled, not who signed the certificate. */
    private static final class TrustingAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** {@code openssl s_client -status} output for one handshake. */
    private static String sClient(int port, String sni, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", sni, "-status"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                return new byte[0];
            }
        });
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new String(out.get(15, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }
}
