package stargate.node.plugin.jwtauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TricklingServer;
import stargate.node.plugin.Verdict;

/** jwt-auth with {@code jwks_uri}, against a real loopback JWKS server that counts its fetches. */
class JwksKeysTest {
    private static final KeyPair K1 = JwtAuthPluginTest.RSA;
    private static final KeyPair K2 = JwtAuthPluginTest.generate("RSA", 2048);
    private static final KeyPair EC = JwtAuthPluginTest.EC;
    private static final long INTERVAL = JwksKeys.MIN_REFRESH_INTERVAL.toNanos();

    private HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> document = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static String jwks(KeyPair... rsa) {
        List<com.nimbusds.jose.jwk.JWK> keys = new java.util.ArrayList<>();
        for (int i = 0; i < rsa.length; i++) {
            keys.add(new RSAKey.Builder((RSAPublicKey) rsa[i].getPublic()).keyID(rsa[i] == K1 ? "k1" : "k2").build());
        }
        return new JWKSet(keys).toString();
    }

    private Plugin plugin(List<String> algorithms) {
        return plugin(algorithms, "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    private Plugin plugin(List<String> algorithms, String uri) {
        PluginContext context = new PluginContext(Metrics.globalRegistry(), InstantSource.fixed(JwtAuthPluginTest.NOW),
                now::get);
        return new JwtAuthFactory().create(new ObjectMapper().valueToTree(Map.of("algorithms", algorithms,
                "jwks_uri", uri)), context);
    }

    private static Verdict run(Plugin plugin, String token) {
        return TestRequest.runAuth(plugin, JwtAuthPluginTest.request(token));
    }

    private static String token(KeyPair key, String kid) {
        return JwtAuthPluginTest.rs256(key, kid, JwtAuthPluginTest.claims().build());
    }

    /** An RS256 token naming {@code kid} with a junk signature: the key lookup comes before the signature check. */
    private static String unsigned(String kid) {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(JwtAuthPluginTest.claims().build().toString().getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(new byte[256]);
    }

    @Test
    void keysAreFetchedOnceAndReused() {
        document.set(jwks(K1));
        Plugin plugin = plugin(List.of("RS256"));
        for (int i = 0; i < 20; i++) {
            assertTrue(run(plugin, token(K1, "k1")).passes());
        }
        assertTrue(run(plugin, token(K1, null)).passes(), "a token without kid is tried against the fitting keys");
        assertEquals(1, fetches.get());
    }

    @Test
    void anUnknownKidTriggersOneRefreshThatPicksUpARotatedKey() {
        document.set(jwks(K1));
        Plugin plugin = plugin(List.of("RS256"));
        assertTrue(run(plugin, token(K1, "k1")).passes());
        document.set(jwks(K1, K2));     // the IdP publishes a new key
        now.addAndGet(INTERVAL);
        assertTrue(run(plugin, token(K2, "k2")).passes(), "the unknown kid made the request wait for a refresh");
        assertTrue(run(plugin, token(K2, "k2")).passes());
        assertEquals(2, fetches.get());
    }

    @Test
    void aFloodOfRandomKidsCausesAtMostOneFetchPerInterval() {
        document.set(jwks(K1));
        Plugin plugin = plugin(List.of("RS256"));
        assertTrue(run(plugin, token(K1, "k1")).passes());
        for (int round = 0; round < 3; round++) {
            now.addAndGet(INTERVAL);
            for (int i = 0; i < 200; i++) {
                Verdict verdict = run(plugin, unsigned("random-" + round + "-" + i));
                assertEquals(401, verdict.status());
                assertEquals("no key for this token", verdict.message());
            }
        }
        assertEquals(1 + 3, fetches.get(), "the first fetch, then one per interval however many unknown kids");
        assertTrue(run(plugin, token(K1, "k1")).passes(), "known keys keep working through the flood");
    }

    @Test
    void aFailedRefreshKeepsThePreviousKeys() {
        document.set(jwks(K1));
        Plugin plugin = plugin(List.of("RS256"));
        assertTrue(run(plugin, token(K1, "k1")).passes());
        status.set(500);
        now.addAndGet(INTERVAL);
        assertEquals(401, run(plugin, token(K2, "k2")).status());
        status.set(200);
        document.set("{\"keys\": \"not a list\"}");
        now.addAndGet(INTERVAL);
        assertEquals(401, run(plugin, token(K2, "k2")).status());
        assertEquals(3, fetches.get());
        assertTrue(run(plugin, token(K1, "k1")).passes());
    }

    @Test
    void staleKeysAreRefreshedInTheBackgroundSoARemovedKeyStopsVerifying() throws Exception {
        document.set(jwks(K1, K2));
        Plugin plugin = plugin(List.of("RS256"));
        assertTrue(run(plugin, token(K2, "k2")).passes());
        document.set(jwks(K1));         // k2 revoked
        now.addAndGet(JwksKeys.MAX_AGE.toNanos() + 1);
        assertTrue(run(plugin, token(K2, "k2")).passes(), "this request goes on with the keys at hand...");
        // ...while the refresh runs on a thread of its own: waited for until it lands (bounded), not for a
        // fixed time, which a loaded box can outlast
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Verdict after = Verdict.PASS;
        while (after.passes() && System.nanoTime() < deadline) {
            after = run(plugin, token(K2, "k2"));
            Thread.sleep(after.passes() ? 20 : 0);
        }
        assertEquals(401, after.status());
        assertEquals(2, fetches.get());
    }

    @Test
    void symmetricAndWrongCurveKeysInTheSetAreIgnoredAndAKeysAlgMustMatch() throws Exception {
        ECKey p256 = new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("ec").build();
        RSAKey rsaForPs = new RSAKey.Builder((RSAPublicKey) K1.getPublic()).keyID("k1")
                .algorithm(com.nimbusds.jose.JWSAlgorithm.PS256).build();
        OctetSequenceKey oct = new OctetSequenceKey.Builder(new byte[32]).keyID("oct").build();
        document.set(new JWKSet(List.of(p256, rsaForPs, oct)).toString());
        Plugin plugin = plugin(List.of("RS256", "ES256"));
        assertTrue(run(plugin, JwtAuthPluginTest.es256(EC, "ec", JwtAuthPluginTest.claims().build())).passes());
        assertEquals("no key for this token", run(plugin, token(K1, "k1")).message(), "k1 is for PS256 only");
        String hmac = JwtAuthPluginTest.sign(new com.nimbusds.jose.crypto.MACSigner(new byte[32]),
                com.nimbusds.jose.JWSAlgorithm.HS256, "oct", JwtAuthPluginTest.claims().build());
        assertEquals(401, run(plugin, hmac).status());
    }

    @Test
    void withNoKeysEverFetchedTheAnswerIs503() throws IOException {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Plugin plugin = plugin(List.of("RS256"), "http://127.0.0.1:" + closedPort + "/jwks");
        Verdict verdict = run(plugin, token(K1, "k1"));
        assertEquals(503, verdict.status());
        assertEquals("keys_unavailable", verdict.error());
    }

    @Test
    void aTricklingEndpointIsCutOffAtTheFetchDeadlineAndRepeatedFetchesLeaveNoThreadOrConnection() throws Exception {
        Duration deadline = Duration.ofMillis(500);
        try (TricklingServer trickling = new TricklingServer(Duration.ofMillis(200))) {
            JwksKeys keys = new JwksKeys(URI.create(trickling.url("/jwks")), now::get, JwksKeys.MIN_REFRESH_INTERVAL, deadline);
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build();
            for (int fetch = 1; fetch <= 3; fetch++) {
                assertThrows(VerificationKeys.KeysUnavailableException.class, () -> keys.verifiers(header));
                long waitUntil = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (trickling.accepted() < fetch && System.nanoTime() < waitUntil) {
                    Thread.sleep(10);       // the fetch's connect can lag the failed lookup on a busy machine
                }
                assertEquals(fetch, trickling.accepted());
                assertTrue(trickling.awaitAllClosed(Duration.ofSeconds(20)), "fetch " + fetch + "'s connection was closed");
                // The fetch's thread closes the connection, then ends: until it has, a lookup joins that fetch
                // (one in flight at a time) instead of starting the next, so the next round waits for it.
                assertTrue(fetchThreadsEnd(Duration.ofSeconds(20)), "no fetch thread outlives its deadline");
                now.addAndGet(INTERVAL);     // the next request may start a fetch again
            }
            // A connection that was not cut would live as long as the trickle (days); the bound tells the two
            // apart and leaves a loaded box time to schedule the cut.
            for (Duration lifetime : trickling.lifetimes()) {
                assertTrue(lifetime.compareTo(deadline.plusSeconds(10)) < 0, "closed at the deadline, not held: " + lifetime);
            }
        }
    }

    private static boolean fetchThreadsEnd(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (TricklingServer.threadsRunning("JwksKeys.fetch(") > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
