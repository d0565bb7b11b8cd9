package stargate.node.plugin.jwtauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.Verdict;

/** jwt-auth with inline keys: signatures, claims, consumers, headers, and the classic attacks. */
class JwtAuthPluginTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final String SECRET = "0123456789abcdef0123456789abcdef-hs256";
    static final KeyPair RSA = generate("RSA", 2048);
    static final KeyPair EC = generate("EC", 256);
    private static final ObjectMapper JSON = new ObjectMapper();

    static KeyPair generate(String type, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
            if (type.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(bits);
            }
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String pem(KeyPair pair) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** A plugin made by its factory from JSON config, on a clock stopped at {@link #NOW}. */
    static Plugin plugin(Map<String, Object> config) {
        ObjectNode json = JSON.valueToTree(config);
        PluginContext context = new PluginContext(Metrics.globalRegistry(), InstantSource.fixed(NOW), () -> 0L);
        return new JwtAuthFactory().create(json, context);
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer("https://idp.example.com").audience("api").subject("alice")
                .expirationTime(Date.from(NOW.plusSeconds(300))).notBeforeTime(Date.from(NOW.minusSeconds(10)));
    }

    static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String hs256(JWTClaimsSet claims) {
        try {
            return sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, null, claims);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String rs256(KeyPair pair, String kid, JWTClaimsSet claims) {
        return sign(new RSASSASigner((RSAPrivateKey) pair.getPrivate()), JWSAlgorithm.RS256, kid, claims);
    }

    static String es256(KeyPair pair, String kid, JWTClaimsSet claims) {
        try {
            return sign(new ECDSASigner((ECPrivateKey) pair.getPrivate()), JWSAlgorithm.ES256, kid, claims);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Exchange request(String token, Consumer... consumers) {
        TestRequest request = TestRequest.get("/users/1");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.exchange(consumers);
    }

    private static Map<String, Object> hsConfig() {
        return Map.of("algorithms", List.of("HS256"), "secret", SECRET);
    }

    private static void assertInvalidToken(Verdict verdict, String message) {
        assertEquals(401, verdict.status(), verdict.message());
        assertEquals("unauthorized", verdict.error());
        assertEquals(message, verdict.message());
        assertTrue(verdict.headers().get(0)[1].startsWith("Bearer realm=\"stargate\", error=\"invalid_token\""),
                verdict.headers().get(0)[1]);
    }

    @Test
    void validHs256Rs256AndEs256TokensPass() {
        String rsaPem = pem(RSA);
        String ecPem = pem(EC);
        Object[][] cases = {
                {hsConfig(), hs256(claims().build())},
                {Map.of("public_key", rsaPem), rs256(RSA, null, claims().build())},
                {Map.of("algorithms", List.of("ES256"), "public_key", ecPem), es256(EC, null, claims().build())},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Plugin plugin = plugin((Map<String, Object>) c[0]);
            Exchange exchange = request((String) c[1]);
            assertTrue(TestRequest.runAuth(plugin, exchange).passes(), c[0].toString());
            assertNull(exchange.consumer(), "no consumer maps tokens: authenticated without one");
        }
    }

    @Test
    void noTokenIs401WithABareChallengeAndOtherSchemesAreNotTokens() {
        Plugin plugin = plugin(hsConfig());
        for (String authorization : new String[] {null, "Basic YWxpY2U6cHc=", "Bearer ", "Bearer"}) {
            TestRequest request = TestRequest.get("/");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            Verdict verdict = TestRequest.runAuth(plugin, request.exchange());
            assertEquals(401, verdict.status());
            assertEquals("Bearer realm=\"stargate\"", verdict.headers().get(0)[1], "RFC 6750 §3.1: no error code");
        }
        Exchange lowerCase = TestRequest.get("/").header("Authorization", "bearer " + hs256(claims().build())).exchange();
        assertTrue(TestRequest.runAuth(plugin, lowerCase).passes(), "the scheme is case-insensitive");
    }

    @Test
    void expiredAndNotYetValidTokensAreRefusedBeyondTheClockSkew() {
        Plugin plugin = plugin(Map.of("algorithms", List.of("HS256"), "secret", SECRET, "clock_skew", "30s"));
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims()
                .expirationTime(Date.from(NOW.minusSeconds(31))).build()))), "token expired");
        assertTrue(TestRequest.runAuth(plugin, request(hs256(claims()
                .expirationTime(Date.from(NOW.minusSeconds(29))).build()))).passes(), "within the skew");
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims()
                .notBeforeTime(Date.from(NOW.plusSeconds(31))).build()))), "token not yet valid");
        assertTrue(TestRequest.runAuth(plugin, request(hs256(claims()
                .notBeforeTime(Date.from(NOW.plusSeconds(29))).build()))).passes(), "within the skew");
    }

    @Test
    void theConfiguredIssuerAndAudienceAreRequired() {
        Plugin plugin = plugin(Map.of("algorithms", List.of("HS256"), "secret", SECRET,
                "issuer", "https://idp.example.com", "audience", "api"));
        assertTrue(TestRequest.runAuth(plugin, request(hs256(claims().audience(List.of("other", "api")).build()))).passes());
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims().issuer("https://evil.example.com").build()))),
                "token issuer not accepted");
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims().issuer(null).build()))),
                "token issuer not accepted");
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims().audience("other").build()))),
                "token audience not accepted");
        assertInvalidToken(TestRequest.runAuth(plugin, request(hs256(claims().audience((String) null).build()))),
                "token audience not accepted");
    }

    @Test
    void aTamperedPayloadOrAForeignKeyFailsTheSignature() {
        String token = rs256(RSA, null, claims().build());
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims().subject("admin")
                .build().toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        Plugin plugin = plugin(Map.of("public_key", pem(RSA)));
        assertInvalidToken(TestRequest.runAuth(plugin, request(forged)), "invalid signature");
        assertInvalidToken(TestRequest.runAuth(plugin, request(rs256(generate("RSA", 2048), null, claims().build()))),
                "invalid signature");
        assertInvalidToken(TestRequest.runAuth(plugin, request("not.a.jwt")), "not a signed JWT");
        assertInvalidToken(TestRequest.runAuth(plugin, request("garbage")), "not a signed JWT");
    }

    @Test
    void algNoneIsNeverAccepted() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = b64.encodeToString(claims().build().toString().getBytes(StandardCharsets.UTF_8));
        for (String alg : new String[] {"none", "None", "NONE"}) {
            String header = b64.encodeToString(("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}").getBytes(StandardCharsets.UTF_8));
            for (String token : new String[] {header + "." + payload + ".", header + "." + payload + "." + b64.encodeToString(new byte[32])}) {
                for (Plugin plugin : List.of(plugin(hsConfig()), plugin(Map.of("public_key", pem(RSA))))) {
                    Verdict verdict = TestRequest.runAuth(plugin, request(token));
                    assertEquals(401, verdict.status(), alg + " " + token);
                }
            }
        }
    }

    @Test
    void anHmacTokenSignedWithThePublicKeyIsRefusedByAPublicKeyRoute() throws Exception {
        String rsaPem = pem(RSA);
        Plugin plugin = plugin(Map.of("public_key", rsaPem));
        for (byte[] secret : new byte[][] {rsaPem.getBytes(StandardCharsets.UTF_8), RSA.getPublic().getEncoded()}) {
            String confused = sign(new MACSigner(secret), JWSAlgorithm.HS256, null, claims().build());
            assertInvalidToken(TestRequest.runAuth(plugin, request(confused)), "token algorithm not accepted");
        }
        // Even were HS256 let through the algorithm list, a public key never verifies an HMAC token.
        StaticKey rsaKey = StaticKey.of(new stargate.model.plugin.JwtAuthConfig(List.of("RS256"), null, rsaPem, null,
                null, null, null, null));
        assertTrue(rsaKey.verifiers(new JWSHeader(JWSAlgorithm.HS256)).isEmpty());
        assertFalse(rsaKey.verifiers(new JWSHeader(JWSAlgorithm.RS256)).isEmpty());
    }

    @Test
    void aTokenWhoseAlgorithmIsNotListedIsRefusedEvenWithTheRightKey() throws Exception {
        String longSecret = SECRET + SECRET;     // 76 bytes: long enough for HS512 too
        Plugin hs256Only = plugin(Map.of("algorithms", List.of("HS256"), "secret", longSecret));
        String hs512 = sign(new MACSigner(longSecret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS512, null,
                claims().build());
        assertInvalidToken(TestRequest.runAuth(hs256Only, request(hs512)), "token algorithm not accepted");
        Plugin both = plugin(Map.of("algorithms", List.of("HS256", "HS512"), "secret", longSecret));
        assertTrue(TestRequest.runAuth(both, request(hs512)).passes());
        Plugin es256Only = plugin(Map.of("algorithms", List.of("ES256"), "public_key", pem(EC)));
        assertInvalidToken(TestRequest.runAuth(es256Only, request(rs256(RSA, null, claims().build()))),
                "token algorithm not accepted");
    }

    @Test
    void aTokenMapsToTheConsumerOfItsIssuerAudienceAndSubject() {
        Consumer alice = new Consumer("alice", null, null, new Consumer.Jwt("https://idp.example.com", "api", "alice"), null);
        Consumer anyone = new Consumer("idp-users", null, null, new Consumer.Jwt("https://idp.example.com", null, null), null);
        Consumer partner = new Consumer("partner", null, null, new Consumer.Jwt("https://partner.example.com", "api", null), null);
        Plugin plugin = plugin(hsConfig());

        Exchange asAlice = request(hs256(claims().build()), alice, anyone, partner);
        assertTrue(TestRequest.runAuth(plugin, asAlice).passes());
        assertEquals("alice", asAlice.consumer().id(), "a consumer naming the subject wins");

        Exchange asBob = request(hs256(claims().subject("bob").build()), alice, anyone, partner);
        assertTrue(TestRequest.runAuth(plugin, asBob).passes());
        assertEquals("idp-users", asBob.consumer().id());

        Exchange wrongAudience = request(hs256(claims().issuer("https://partner.example.com").audience("web").build()),
                alice, anyone, partner);
        assertInvalidToken(TestRequest.runAuth(plugin, wrongAudience), "token matches no consumer");
        assertNull(wrongAudience.consumer());

        Exchange unmappedIssuer = request(hs256(claims().issuer("https://other.example.com").build()), alice, partner);
        assertTrue(TestRequest.runAuth(plugin, unmappedIssuer).passes(), "no consumer maps this issuer: anonymous");
        assertNull(unmappedIssuer.consumer());
    }

    @Test
    void claimsBecomeRequestHeadersAndClientCopiesOfThoseHeadersAreDropped() {
        Plugin plugin = plugin(Map.of("algorithms", List.of("HS256"), "secret", SECRET, "claims_to_headers",
                Map.of("sub", "X-User", "roles", "X-Roles", "email", "X-Email", "tenant", "X-Tenant", "evil", "X-Evil",
                        "exp", "X-Expires")));
        String token = hs256(claims().claim("roles", List.of("admin", "ops")).claim("tenant", 42)
                .claim("evil", "a\r\nX-Injected: 1").build());
        Exchange exchange = TestRequest.get("/").header("Authorization", "Bearer " + token)
                .header("X-User", "root").header("X-Email", "spoofed@example.com").header("X-Evil", "client").exchange();
        assertTrue(TestRequest.runAuth(plugin, exchange).passes());
        var edits = exchange.forwardEdits();
        for (String header : new String[] {"x-user", "x-roles", "x-email", "x-tenant", "x-evil", "x-expires"}) {
            assertTrue(edits.removesHeader(header), header + " sent by the client is dropped");
        }
        Map<String, String> added = new java.util.TreeMap<>();
        edits.addedHeaders().forEach(h -> added.put(h[0], h[1]));
        assertEquals(Map.of("X-User", "alice", "X-Roles", "admin, ops", "X-Tenant", "42",
                "X-Expires", Long.toString(NOW.plusSeconds(300).getEpochSecond())), added,
                "absent claims (email) and values with CR/LF (evil) set nothing");
    }

    @Test
    void hostileHeaderAndClaimValuesAreRefusedWithoutBeingEchoed() throws Exception {
        Plugin plugin = plugin(hsConfig());
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = b64.encodeToString(claims().build().toString().getBytes(StandardCharsets.UTF_8));
        String header = b64.encodeToString("{\"alg\":\"HS256\\r\\nSet-Cookie: x=\\\"1\"}".getBytes(StandardCharsets.UTF_8));
        Verdict verdict = TestRequest.runAuth(plugin, request(header + "." + payload + "." + b64.encodeToString(new byte[32])));
        assertEquals(401, verdict.status());
        assertFalse(verdict.headers().get(0)[1].contains("Set-Cookie"), verdict.headers().get(0)[1]);

        // Correctly signed, but "exp" is not a number: not a valid claims set, never "no expiry".
        com.nimbusds.jose.JWSObject odd = new com.nimbusds.jose.JWSObject(new JWSHeader(JWSAlgorithm.HS256),
                new com.nimbusds.jose.Payload("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}"));
        odd.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        assertInvalidToken(TestRequest.runAuth(plugin, request(odd.serialize())), "not a signed JWT");
    }

    @Test
    void theRefusalNeverEchoesTheToken() {
        String token = hs256(claims().expirationTime(Date.from(NOW.minusSeconds(3600))).build());
        Verdict verdict = TestRequest.runAuth(plugin(hsConfig()), request(token));
        assertEquals(401, verdict.status());
        assertFalse(verdict.message().contains(token.split("\\.")[1]));
        assertFalse(verdict.headers().get(0)[1].contains(token.split("\\.")[1]));
    }

    @Test
    void theBearerTokenIsParsedStrictly() {
        assertEquals("abc", BearerToken.of("Bearer abc"));
        assertEquals("abc", BearerToken.of("BEARER  abc "));
        assertNull(BearerToken.of("Bearerabc"));
        assertNull(BearerToken.of("Token abc"));
        assertEquals(Duration.ofSeconds(30), new stargate.model.plugin.JwtAuthConfig(null, null, null, null, null, null,
                null, null).clockSkew(), "the default skew the tests rely on");
    }
}
