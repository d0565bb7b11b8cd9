package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.node.Node;
import stargate.node.NodeOptions;

/**
 * A request that names two hosts must not be routed by one and told upstream as the other: one host would
 * pick the route (and its plugins: authentication) while the other reaches the upstream or its logs. Routes by
 * host, to two upstreams; each request names one host in one place and the other elsewhere. On HTTP/2 a Host
 * that differs from {@code :authority} is refused (Helidon's behaviour; this test keeps it so); on HTTP/1 an
 * absolute-form target's authority is the host and Host is ignored (RFC 9112 §3.2.2), everywhere after it.
 */
class HostDisagreementTest {
    @TempDir
    static Path dir;
    private static FakeUpstream alpha;
    private static FakeUpstream beta;
    private static Node node;

    @BeforeAll
    static void start() throws Exception {
        alpha = FakeUpstream.http(FakeUpstream.ok("alpha"));
        beta = FakeUpstream.http(FakeUpstream.ok("beta"));
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: a, hosts: [alpha.test, 127.0.0.1], paths: ["/*"], upstream: a}
                  - {id: b, hosts: [beta.test], paths: ["/*"], upstream: b}
                  - {id: open, hosts: [secure.test], paths: ["/public/*"], upstream: a}
                  - {id: secure, hosts: [secure.test], paths: ["/admin/*"], upstream: b, plugins: {key-auth: {}}}
                  - {id: kept, hosts: [kept.test], paths: ["/*"], upstream: b, preserve_host: true}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                upstreams:
                  - id: a
                    targets: [{url: "%s"}]
                  - id: b
                    targets: [{url: "%s"}]
                """.formatted(alpha.url(), beta.url()));
        node = Node.start(NodeOptions.parse(List.of("--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--https-port", "0", "--admin-port", "0", "--access-log", "off"), Map.of()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        alpha.close();
        beta.close();
    }

    @Test
    void onHttp2AHostThatDiffersFromTheAuthorityIsAProtocolErrorAndTheSameOneIsServed() throws Exception {
        try (H2Frames h2 = new H2Frames(node.port())) {
            // :authority 127.0.0.1 (alpha's route), then a Host naming beta (RFC 9113 8.3.1: malformed)
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/two-hosts", H2Frames.literal("host", "beta.test", false))));
            H2Frames.Frame goAway = h2.goAway();
            assertTrue(goAway != null && goAway.errorCode() == H2Frames.PROTOCOL_ERROR, "refused: " + goAway);
        }
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty(), "nothing went upstream");
        try (H2Frames h2 = new H2Frames(node.port())) {
            h2.send(H2Frames.frame(H2Frames.HEADERS, H2Frames.END_HEADERS | H2Frames.END_STREAM, 1,
                    H2Frames.get("/same-host", H2Frames.literal("host", "127.0.0.1", false))));
            assertEquals("alpha", h2.body(1));
        }
        FakeUpstream.Request seen = alpha.requests.poll(10, TimeUnit.SECONDS);
        assertEquals("127.0.0.1", seen.header("X-Forwarded-Host"));
        assertTrue(beta.requests.isEmpty());
    }

    @ParameterizedTest(name = "{0} goes upstream as {1}")
    @CsvSource({
            "http://alpha.test/absolute?q=1, /absolute?q=1",
            "HTTPS://Alpha.Test:80/a/./b/../c, /a/c",
            "http://alpha.test, /",
            "http://alpha.test?q, /?q",
            "http://alpha.test//%7euser/, /~user/"})
    void onHttp1AnAbsoluteFormTargetIsRoutedByItsAuthorityNotTheHostAndGoesUpstreamNormalizedInOriginForm(
            String target, String upstreamTarget) throws Exception {
        FakeUpstream.Request seen = servedBy(alpha, "GET " + target + " HTTP/1.1\r\nHost: beta.test\r\n");
        assertEquals(upstreamTarget, seen.target());
        assertEquals(URI.create(alpha.url()).getAuthority(), seen.header("Host"), "the route's policy: the target's Host");
        assertEquals(target.replaceFirst("(?i)^https?://", "").replaceFirst("[/?].*", ""), seen.header("X-Forwarded-Host"));
    }

    @Test
    void onHttp1APreservedHostIsTheAbsoluteFormsAuthority() throws Exception {
        FakeUpstream.Request seen = servedBy(beta, "GET http://kept.test/x HTTP/1.1\r\nHost: alpha.test\r\n");
        assertEquals("kept.test", seen.header("Host"));
        assertEquals("kept.test", seen.header("X-Forwarded-Host"));
    }

    /** An open route and one behind key-auth on one host: the absolute form's host and path pick the guarded one. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "http://secure.test/admin/x, 401",
            "http://secure.test/public/../admin/x, 401",
            "http://secure.test/public/%2e%2e/admin/x, 401",
            "http://secure.test/public/.%2E/admin/x, 401",
            "http://secure.test/public/..%2Fadmin/x, 400",
            "http://secure.test/public/..\\admin/x, 400"})
    void onHttp1AnAbsoluteFormTargetCannotReachAGuardedRouteThroughAnOpenHostOrPath(String target, int status)
            throws Exception {
        String answer = http1("GET " + target + " HTTP/1.1\r\nHost: alpha.test\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer);
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty(), "nothing went upstream");
    }

    @Test
    void onHttp1AnAbsoluteFormTargetWithTheKeyReachesTheGuardedRoute() throws Exception {
        FakeUpstream.Request seen = servedBy(beta, "GET http://secure.test/public/../admin/x HTTP/1.1\r\n"
                + "Host: alpha.test\r\napikey: alice-key-123\r\n");
        assertEquals("/admin/x", seen.target());
        assertEquals("secure.test", seen.header("X-Forwarded-Host"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "http://alpha.test@beta.test/x",        // userinfo: a reader that skips it sees alpha.test
            "http://user:secret@alpha.test/x",
            "ftp://alpha.test/x",
            "ws://alpha.test/x",
            "http:/alpha.test/x",
            "http:///x",
            "http://alpha.test:8o/x",
            "http://alpha.test:123456/x",
            "http://[::1/x",
            "alpha.test:80",                        // authority form, which only CONNECT uses
            "alpha.test/x"})
    void onHttp1AMalformedAbsoluteFormTargetIsRefusedWith400(String target) throws Exception {
        String answer = http1("GET " + target + " HTTP/1.1\r\nHost: alpha.test\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty(), "nothing went upstream");
    }

    @Test
    void onHttp1AnAbsoluteFormTargetStillNeedsAHost() throws Exception {
        // RFC 9112 3.2: a client sends Host with every HTTP/1.1 request, and a server answers 400 when it lacks
        String answer = http1("GET http://alpha.test/x HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertTrue(alpha.requests.isEmpty() && beta.requests.isEmpty());
    }

    /**
     * Sends {@code head} (request line and fields) with {@code Connection: close}, checks that {@code upstream}
     * answered it and that the other upstream got nothing, and returns what {@code upstream} received.
     */
    private static FakeUpstream.Request servedBy(FakeUpstream upstream, String head) throws Exception {
        String answer = http1(head + "Connection: close\r\n\r\n");
        String name = upstream == alpha ? "alpha" : "beta";
        assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.endsWith(name), answer);
        assertTrue((upstream == alpha ? beta : alpha).requests.isEmpty(), "served by " + name + " only");
        return upstream.requests.poll(10, TimeUnit.SECONDS);
    }

    private static String http1(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
