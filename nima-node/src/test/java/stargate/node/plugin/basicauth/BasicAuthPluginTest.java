package stargate.node.plugin.basicauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.secret.SecretHash;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.Verdict;

class BasicAuthPluginTest {
    private static final Consumer ALICE = new Consumer("alice", null,
            new Consumer.BasicAuth("alice", "s3cret:with:colons"), null, null);
    private static final Consumer BOB = new Consumer("bob", null, new Consumer.BasicAuth("bob", "hunter2"), null, null);
    /** As the controller stores it in etcd (fewer iterations, to run fast). */
    private static final String CAROL_HASH = SecretHash.hashPassword("carol-pw", 1000);
    private static final Consumer CAROL = new Consumer("carol", null, new Consumer.BasicAuth("carol", CAROL_HASH), null, null);

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static Verdict run(Exchange exchange) {
        return TestRequest.runAuth(new BasicAuthPlugin(), exchange);
    }

    @Test
    void rightCredentialsIdentifyTheConsumerAndAColonInThePasswordIsKept() {
        Exchange exchange = TestRequest.get("/").header("Authorization", basic("alice:s3cret:with:colons")).exchange(ALICE, BOB);
        assertTrue(run(exchange).passes());
        assertEquals("alice", exchange.consumer().id());
        Exchange lowerScheme = TestRequest.get("/").header("authorization", "basic " + basic("bob:hunter2").substring(6))
                .exchange(ALICE, BOB);
        assertTrue(run(lowerScheme).passes());
        assertEquals("bob", lowerScheme.consumer().id());
    }

    @Test
    void wrongPasswordsUnknownUsersAnotherUsersPasswordAndGarbageAre401WithAChallenge() {
        String[] attempts = {basic("alice:hunter2"), basic("carol:hunter2"), basic("bob:"), basic("bob"), basic(":hunter2"),
            "Basic not*base64", "Bearer abc", "Basic ", basic("alice:s3cret:with:colons ")};
        for (String authorization : attempts) {
            Exchange exchange = TestRequest.get("/").header("Authorization", authorization).exchange(ALICE, BOB);
            Verdict verdict = run(exchange);
            assertEquals(401, verdict.status(), authorization);
            assertNull(exchange.consumer());
            assertTrue(verdict.headers().get(0)[1].startsWith("Basic realm="));
        }
        assertEquals(401, run(TestRequest.get("/").exchange(ALICE)).status());
    }

    @Test
    void aHashedPasswordAcceptsThePasswordItWasMadeFromAndNotTheHashItself() {
        Exchange exchange = TestRequest.get("/").header("Authorization", basic("carol:carol-pw")).exchange(ALICE, CAROL);
        assertTrue(run(exchange).passes());
        assertEquals("carol", exchange.consumer().id());
        for (String password : new String[] {CAROL_HASH, "carol-pw ", "hunter2", ""}) {
            assertEquals(401, run(TestRequest.get("/").header("Authorization", basic("carol:" + password))
                    .exchange(ALICE, CAROL)).status(), password);
        }
        assertTrue(run(TestRequest.get("/").header("Authorization", basic("alice:s3cret:with:colons")).exchange(ALICE, CAROL))
                .passes(), "plain passwords (standalone files) still work beside hashed ones");
    }
}
