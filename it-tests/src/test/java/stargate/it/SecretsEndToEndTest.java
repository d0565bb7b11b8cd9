package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * Consumer secrets as they really travel: written plain through the controller's API, stored
 * hashed in etcd, checked by a node that follows etcd. The node accepts the real secret and
 * refuses the stored hash (SPEC §3, §6, §8).
 */
class SecretsEndToEndTest {
    private static final String PREFIX = "/stargate";
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "alice-api-key-0001";
    private static final String PASSWORD = "correct horse battery";

    @Test
    void theRealSecretsAuthenticateAndTheStoredHashesDoNot(@TempDir Path dir) throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        backend.start();
        try (EtcdCluster etcd = EtcdCluster.startSingle();
             Client client = Client.builder().endpoints(etcd.clientUrls().toArray(String[]::new)).build();
             ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir);
             NodeProcess node = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir)) {
            assertWritten(201, controller.api("POST", "/upstreams", """
                    {"id": "backend", "targets": [{"url": "http://127.0.0.1:%d"}]}""".formatted(backend.getAddress().getPort())));
            assertWritten(201, controller.api("POST", "/routes", """
                    {"id": "by-key", "paths": ["/key"], "upstream": "backend", "plugins": {"key-auth": {}}}"""));
            assertWritten(201, controller.api("POST", "/routes", """
                    {"id": "by-password", "paths": ["/basic"], "upstream": "backend", "plugins": {"basic-auth": {}}}"""));
            assertWritten(201, controller.api("POST", "/consumers", """
                    {"id": "alice", "key_auth": {"key": "%s"}, "basic_auth": {"username": "alice", "password": "%s"}}"""
                    .formatted(KEY, PASSWORD)));

            JsonNode stored = storedSpec(client, "consumers/alice");
            String storedKey = stored.at("/key_auth/key").asText();
            String storedPassword = stored.at("/basic_auth/password").asText();
            assertTrue(storedKey.matches("sha256:[0-9a-f]{64}"), storedKey);
            assertTrue(storedPassword.startsWith("pbkdf2-sha256:"), storedPassword);

            Await.until("the node serves the key-auth route to alice's key", CONVERGE,
                    () -> node.request("/key", Map.of("apikey", KEY)).status() == 200);
            assertEquals(401, node.request("/key", Map.of("apikey", storedKey)).status(), "the stored digest is not a key");
            assertEquals(401, node.request("/key", Map.of("apikey", storedKey.substring("sha256:".length()))).status());
            assertEquals(401, node.request("/key", Map.of("apikey", KEY + "x")).status());
            assertEquals(401, node.request("/key", Map.of()).status());

            Await.until("the node serves the basic-auth route", CONVERGE,
                    () -> node.request("/basic", Map.of()).status() == 401);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, node.request("/basic", basic("alice", PASSWORD)).status(), "the real password, again and again");
            }
            assertEquals(401, node.request("/basic", basic("alice", storedPassword)).status(), "the stored hash is not a password");
            assertEquals(401, node.request("/basic", basic("alice", PASSWORD + "!")).status());
            assertEquals(401, node.request("/basic", basic("bob", PASSWORD)).status());
        } finally {
            backend.stop(0);
        }
    }

    private static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8)));
    }

    /** The object's {@code spec} as the controller stored it in etcd (docs/etcd-layout.md). */
    private static JsonNode storedSpec(Client client, String key) throws Exception {
        var kvs = client.getKVClient().get(ByteSequence.from(PREFIX + "/" + key, UTF_8)).get(5, SECONDS).getKvs();
        assertEquals(1, kvs.size(), key);
        return JSON.readTree(kvs.getFirst().getValue().toString(UTF_8)).path("spec");
    }

    private static void assertWritten(int status, Http.Answer answer) {
        assertEquals(status, answer.status(), answer.body());
    }
}
