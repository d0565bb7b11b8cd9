package stargate.node.plugin.introspection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.plugin.OAuth2IntrospectionConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TricklingServer;
import stargate.node.plugin.Verdict;

/** oauth2-introspection against a real loopback introspection endpoint that counts its calls. */
class IntrospectionPluginTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final long SECOND = 1_000_000_000L;
    private static final String CLIENT_ID = "gateway:1";
    private static final String CLIENT_SECRET = "s3cret&=";

    private HttpServer server;
    /** Token to the endpoint's JSON answer; "slow" sleeps past the timeout, "broken" answers 500. */
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger unauthenticatedCalls = new AtomicInteger();
    private final AtomicLong now = new AtomicLong(5_000 * SECOND);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/introspect", exchange -> {
            calls.incrementAndGet();
            String expected = "Basic " + Base64.getEncoder().encodeToString("gateway%3A1:s3cret%26%3D".getBytes(StandardCharsets.UTF_8));
            if (!"POST".equals(exchange.getRequestMethod())
                    || !expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                unauthenticatedCalls.incrementAndGet();
            }
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String token = null;
            for (String pair : form.split("&")) {
                if (pair.startsWith("token=")) {
                    token = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
            String answer = answers.getOrDefault(String.valueOf(token), "{\"active\": false}");
            int status = 200;
            if (answer.equals("slow")) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (answer.equals("broken")) {
                status = 500;
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        long exp = NOW.plusSeconds(3600).getEpochSecond();
        answers.put("good token+/=", "{\"active\": true, \"exp\": " + exp + ", \"iss\": \"https://idp\", \"sub\": \"alice\", \"aud\": \"api\"}");
        answers.put("partner", "{\"active\": true, \"iss\": \"https://partner\", \"sub\": \"x\", \"aud\": [\"web\", \"api\"]}");
        answers.put("string-active", "{\"active\": \"true\"}");
        answers.put("expired", "{\"active\": true, \"exp\": " + NOW.minusSeconds(1).getEpochSecond() + "}");
        answers.put("short-lived", "{\"active\": true, \"exp\": " + NOW.plusSeconds(3).getEpochSecond() + "}");
        answers.put("slow", "slow");
        answers.put("broken", "broken");
        answers.put("not-json", "<html>oops</html>");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IntrospectionPlugin plugin(String cacheTtl, int maxEntries) {
        return plugin(cacheTtl, maxEntries, Duration.ofSeconds(30));     // these tests are not about the timeout
    }

    private IntrospectionPlugin plugin(String cacheTtl, int maxEntries, Duration timeout) {
        OAuth2IntrospectionConfig config = OAuth2IntrospectionConfig.from(new ObjectMapper().valueToTree(Map.of(
                "endpoint", "http://127.0.0.1:" + server.getAddress().getPort() + "/introspect",
                "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, "cache_ttl", cacheTtl)));
        PluginContext context = new PluginContext(Metrics.globalRegistry(), InstantSource.fixed(NOW), now::get);
        return new IntrospectionPlugin(config, new Introspector(config, timeout), context, maxEntries);
    }

    private static Exchange request(String token, Consumer... consumers) {
        return TestRequest.get("/").header("Authorization", "Bearer " + token).exchange(consumers);
    }

    private static Verdict run(IntrospectionPlugin plugin, String token, Consumer... consumers) {
        return TestRequest.runAuth(plugin, request(token, consumers));
    }

    @Test
    void anActiveTokenPassesAndIsCachedSoTheEndpointIsCalledOnce() {
        IntrospectionPlugin plugin = plugin("30s", 100);
        for (int i = 0; i < 5; i++) {
            assertTrue(run(plugin, "good token+/=").passes());
        }
        assertEquals(1, calls.get());
        assertEquals(0, unauthenticatedCalls.get(), "POST with Basic auth of the form-encoded id and secret");
        now.addAndGet(30 * SECOND);
        assertTrue(run(plugin, "good token+/=").passes());
        assertEquals(2, calls.get(), "cache_ttl elapsed: asked again");
    }

    @Test
    void anAnswerIsNeverReusedPastTheTokensExp() {
        IntrospectionPlugin plugin = plugin("30s", 100);
        assertTrue(run(plugin, "short-lived").passes());
        now.addAndGet(2 * SECOND);
        assertTrue(run(plugin, "short-lived").passes());
        assertEquals(1, calls.get());
        now.addAndGet(SECOND);
        run(plugin, "short-lived");
        assertEquals(2, calls.get(), "3 s after: the token's exp, before cache_ttl");
    }

    @Test
    void inactiveExpiredOrNotStrictlyActiveTokensAre401AndCachedBriefly() {
        IntrospectionPlugin plugin = plugin("30s", 100);
        for (String token : new String[] {"unknown", "string-active", "expired"}) {
            Verdict verdict = run(plugin, token);
            assertEquals(401, verdict.status(), token);
            assertEquals("token is not active", verdict.message());
            assertTrue(verdict.headers().get(0)[1].contains("error=\"invalid_token\""));
        }
        assertEquals(3, calls.get());
        run(plugin, "unknown");
        assertEquals(3, calls.get(), "the negative answer is reused...");
        now.addAndGet(IntrospectionPlugin.NEGATIVE_TTL.toNanos());
        run(plugin, "unknown");
        assertEquals(4, calls.get(), "...for a few seconds only");
    }

    @Test
    void aSlowBrokenOrGarbledEndpointIs503AndNothingIsCached() {
        // "slow" answers after 3 s, past a 300 ms timeout. The others answer at once: asked with a timeout a
        // loaded box cannot outlast, so that the call counted below always reaches the endpoint.
        Verdict slow = run(plugin("30s", 100, Duration.ofMillis(300)), "slow");
        assertEquals(503, slow.status());
        assertEquals("introspection_unavailable", slow.error());
        IntrospectionPlugin plugin = plugin("30s", 100, Duration.ofSeconds(30));
        for (String token : new String[] {"broken", "not-json"}) {
            Verdict verdict = run(plugin, token);
            assertEquals(503, verdict.status(), token);
            assertEquals("introspection_unavailable", verdict.error());
        }
        int before = calls.get();
        run(plugin, "broken");
        assertEquals(before + 1, calls.get(), "failures are not cached");
    }

    @Test
    void withCacheTtlZeroEveryRequestAsks() {
        IntrospectionPlugin plugin = plugin("0s", 100);
        for (int i = 0; i < 3; i++) {
            assertTrue(run(plugin, "good token+/=").passes());
            assertEquals(401, run(plugin, "unknown").status());
        }
        assertEquals(6, calls.get());
    }

    @Test
    void noTokenIsABare401WithoutCallingTheEndpoint() {
        Verdict verdict = TestRequest.runAuth(plugin("30s", 100), TestRequest.get("/").exchange());
        assertEquals(401, verdict.status());
        assertEquals("Bearer realm=\"stargate\"", verdict.headers().get(0)[1]);
        assertEquals(0, calls.get());
    }

    @Test
    void theAnswerMapsToAConsumerAsForJwtAuth() {
        Consumer alice = new Consumer("alice", null, null, new Consumer.Jwt("https://idp", "api", "alice"), null);
        Consumer partnerWeb = new Consumer("partner-web", null, null, new Consumer.Jwt("https://partner", "mobile", null), null);
        IntrospectionPlugin plugin = plugin("30s", 100);
        Exchange exchange = request("good token+/=", alice, partnerWeb);
        assertTrue(TestRequest.runAuth(plugin, exchange).passes());
        assertEquals("alice", exchange.consumer().id());
        assertEquals("token matches no consumer", run(plugin, "partner", alice, partnerWeb).message());
        Exchange anonymous = request("partner", alice);
        assertTrue(TestRequest.runAuth(plugin, anonymous).passes(), "no consumer maps the partner issuer");
        assertNull(anonymous.consumer());
    }

    @Test
    void theCacheStaysBoundedUnderAFloodOfDistinctTokens() {
        IntrospectionPlugin plugin = plugin("30s", 20);
        TokenCache cache = new TokenCache(20);
        for (int i = 0; i < 200; i++) {
            cache.put("t" + i, Introspector.Answer.INACTIVE, now.get() + SECOND, now.get());
            assertTrue(cache.size() <= 20, "size " + cache.size());
        }
        for (int i = 0; i < 50; i++) {
            run(plugin, "flood-" + i);
        }
        assertEquals(50, calls.get());
        assertEquals(401, run(plugin, "flood-49").status());
        assertEquals(50, calls.get(), "the most recent token is still cached");
    }

    @Test
    void aTricklingEndpointIsCutOffAtTheTimeoutAndItsConnectionClosed() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (TricklingServer trickling = new TricklingServer(Duration.ofMillis(100))) {
            OAuth2IntrospectionConfig config = OAuth2IntrospectionConfig.from(new ObjectMapper().valueToTree(Map.of(
                    "endpoint", trickling.url("/introspect"), "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET)));
            Introspector introspector = new Introspector(config, timeout);
            for (int call = 1; call <= 2; call++) {
                assertThrows(Introspector.FailedException.class, () -> introspector.introspect("token"));
                assertTrue(trickling.awaitAllClosed(Duration.ofSeconds(20)), "call " + call + "'s connection was closed");
            }
            assertEquals(2, trickling.accepted());
            // A connection that was not cut would live as long as the trickle (over a day); the bound tells the
            // two apart and leaves a loaded box time to schedule the cut.
            trickling.lifetimes().forEach(lifetime -> assertTrue(lifetime.compareTo(timeout.plusSeconds(10)) < 0,
                    "closed at the timeout, not held: " + lifetime));
        }
    }
}
