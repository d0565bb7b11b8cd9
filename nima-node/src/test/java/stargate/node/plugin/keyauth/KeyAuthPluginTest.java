package stargate.node.plugin.keyauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.plugin.KeyAuthConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.Verdict;

class KeyAuthPluginTest {
    private static final Consumer ALICE = consumer("alice", "alice-key-123");
    private static final Consumer BOB = consumer("bob", "sha256:" + sha256Hex("bob-key-4567"));

    private static Consumer consumer(String id, String key) {
        return new Consumer(id, new Consumer.KeyAuth(key), null, null, null);
    }

    private static Plugin plugin(String json) throws Exception {
        return new KeyAuthPlugin(KeyAuthConfig.from(new ObjectMapper().readTree(json)));
    }

    @Test
    void aKeyInTheHeaderIdentifiesItsConsumerAndIsRemovedBeforeProxying() throws Exception {
        Exchange exchange = TestRequest.get("/users/1").header("apikey", "alice-key-123").exchange(ALICE, BOB);
        assertTrue(TestRequest.runAuth(plugin("{}"), exchange).passes());
        assertEquals("alice", exchange.consumer().id());
        assertTrue(exchange.forwardEdits().removesHeader("apikey"));
    }

    @Test
    void aKeyStoredAsItsSha256DigestMatchesThePlainKey() throws Exception {
        Exchange exchange = TestRequest.get("/").header("apikey", "bob-key-4567").exchange(ALICE, BOB);
        assertTrue(TestRequest.runAuth(plugin("{}"), exchange).passes());
        assertEquals("bob", exchange.consumer().id());
    }

    @Test
    void theDigestItselfIsNotAKey() throws Exception {
        Exchange exchange = TestRequest.get("/").header("apikey", "sha256:" + sha256Hex("bob-key-4567")).exchange(ALICE, BOB);
        assertEquals(401, TestRequest.runAuth(plugin("{}"), exchange).status());
    }

    @Test
    void aKeyInTheQueryParameterIsUsedWhenConfiguredAndStrippedFromTheUpstreamQuery() throws Exception {
        Exchange exchange = TestRequest.get("/users/1?a=1&api_key=alice%2Dkey%2D123&b=2").exchange(ALICE);
        assertTrue(TestRequest.runAuth(plugin("{\"query\": \"api_key\"}"), exchange).passes());
        assertEquals("alice", exchange.consumer().id());
        assertEquals("/users/1?a=1&b=2", exchange.forwardEdits().apply("/users/1?a=1&api_key=alice%2Dkey%2D123&b=2"));
    }

    @Test
    void withHideCredentialsOffTheKeyIsForwarded() throws Exception {
        Exchange exchange = TestRequest.get("/").header("apikey", "alice-key-123").exchange(ALICE);
        assertTrue(TestRequest.runAuth(plugin("{\"hide_credentials\": false}"), exchange).passes());
        assertNull(exchange.forwardEdits());
    }

    @Test
    void aMissingEmptyWrongOrNearMissKeyIs401WithoutEchoingIt() throws Exception {
        for (String key : new String[] {null, "", "alice-key-12", "alice-key-1234", "ALICE-KEY-123", "alice-key-123 "}) {
            TestRequest request = TestRequest.get("/?apikey=alice-key-123");     // query not configured: ignored
            if (key != null) {
                request.header("apikey", key);
            }
            Exchange exchange = request.exchange(ALICE);
            Verdict verdict = TestRequest.runAuth(plugin("{}"), exchange);
            assertEquals(401, verdict.status(), "key " + key);
            assertEquals("unauthorized", verdict.error());
            assertNull(exchange.consumer());
            assertFalse(key != null && !key.isEmpty() && verdict.message().contains(key), verdict.message());
            assertEquals("Key realm=\"stargate\"", verdict.headers().get(0)[1]);
        }
    }

    @Test
    void aKeyOfAnotherHeaderNameIsNotRead() throws Exception {
        Exchange exchange = TestRequest.get("/").header("apikey", "alice-key-123").exchange(ALICE);
        assertEquals(401, TestRequest.runAuth(plugin("{\"header\": \"x-api-key\"}"), exchange).status());
        Exchange other = TestRequest.get("/").header("X-Api-Key", "alice-key-123").exchange(Map.of(), ALICE);
        assertTrue(TestRequest.runAuth(plugin("{\"header\": \"x-api-key\"}"), other).passes());
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
