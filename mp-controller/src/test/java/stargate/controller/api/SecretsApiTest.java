package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.controller.store.Secrets;
import stargate.model.secret.SecretHash;

/** Credentials are stored hashed, never answered, and a mask sent back keeps them. */
class SecretsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = """
            {"id": "alice", "key_auth": {"key": "alice-secret-key-1"},
             "basic_auth": {"username": "alice", "password": "correct horse"}}""";
    private final Api api = Api.admin();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    private JsonNode storedSpec(String folder, String id) throws Exception {
        return JSON.readTree(TestController.get().etcdValue(TestController.PREFIX + "/" + folder + "/" + id)).get("spec");
    }

    @Test
    void consumerSecretsAreStoredHashedAndNeverReturned() throws Exception {
        Api.Reply created = api.post("consumers", ALICE);
        assertEquals(201, created.status(), created.toString());
        JsonNode spec = storedSpec("consumers", "alice");
        assertEquals(SecretHash.hashApiKey("alice-secret-key-1"), spec.at("/key_auth/key").asText());
        String password = spec.at("/basic_auth/password").asText();
        assertTrue(password.startsWith("pbkdf2-sha256:"), password);
        assertTrue(SecretHash.passwordMatches("correct horse", password));
        assertFalse(SecretHash.passwordMatches("wrong horse", password));

        for (Api.Reply reply : new Api.Reply[] {created, api.get("consumers/alice"), api.get("consumers"),
                api.get("config"), api.get("config", "Accept", "application/yaml")}) {
            assertFalse(reply.body().contains("alice-secret-key-1"), reply.body());
            assertFalse(reply.body().contains("correct horse"), reply.body());
            assertFalse(reply.body().contains("sha256"), reply.body());
            assertTrue(reply.body().contains(Secrets.MASK), reply.body());
        }
    }

    @Test
    void sendingTheMaskBackKeepsTheStoredSecrets() throws Exception {
        api.post("consumers", ALICE);
        JsonNode before = storedSpec("consumers", "alice");
        Api.Reply read = api.get("consumers/alice");
        String withJwt = read.body().replace("\"id\":\"alice\"", "\"id\":\"alice\",\"jwt\":{\"issuer\":\"https://idp\"}");
        Api.Reply put = api.put("consumers/alice", withJwt);
        assertEquals(200, put.status(), put.toString());
        JsonNode after = storedSpec("consumers", "alice");
        assertEquals(before.get("key_auth"), after.get("key_auth"));
        assertEquals(before.get("basic_auth"), after.get("basic_auth"));
        assertEquals("https://idp", after.at("/jwt/issuer").asText());
    }

    @Test
    void resendingTheSamePlainPasswordChangesNothing() {
        long revision = api.post("consumers", ALICE).json().get("revision").asLong();
        Api.Reply again = api.put("consumers/alice", ALICE);
        assertEquals(revision, again.json().get("revision").asLong());
    }

    @Test
    void aMaskWithNothingStoredIsAnError() {
        Api.Reply reply = api.post("consumers", "{\"id\":\"bob\",\"key_auth\":{\"key\":\"" + Secrets.MASK + "\"}}");
        assertEquals(400, reply.status());
        assertEquals("key_auth.key", reply.json().get("errors").get(0).get("path").asText());
    }

    @Test
    void keyRulesApplyToThePlainKeyAndDuplicatesAreFoundThroughTheHash() {
        Api.Reply tooShort = api.post("consumers", "{\"id\":\"bob\",\"key_auth\":{\"key\":\"short\"}}");
        assertEquals(400, tooShort.status());
        assertEquals("key_auth.key", tooShort.json().get("errors").get(0).get("path").asText());
        api.post("consumers", ALICE);
        Api.Reply duplicate = api.post("consumers", "{\"id\":\"bob\",\"key_auth\":{\"key\":\"alice-secret-key-1\"}}");
        assertEquals(400, duplicate.status(), duplicate.toString());
        assertTrue(duplicate.json().get("errors").get(0).get("message").asText().contains("already used"), duplicate.toString());
    }

    @Test
    void aCertificateKeyIsNeverReturned() throws Exception {
        String body = "{\"id\":\"example\",\"snis\":[\"api.example.com\"],\"cert\":\"" + ObjectsApiTest.CERT
                + "\",\"key\":\"" + ObjectsApiTest.KEY + "\"}";
        Api.Reply created = api.post("certificates", body);
        assertEquals(201, created.status(), created.toString());
        assertEquals(Secrets.MASK, created.json().get("key").asText());
        assertFalse(api.get("certificates/example").body().contains("PRIVATE KEY"));
        assertFalse(api.get("config").body().contains("PRIVATE KEY"));
        assertTrue(storedSpec("certificates", "example").get("key").asText().contains("PRIVATE KEY"));
        // the export re-imports with the key kept
        assertEquals("no changes", api.put("config", api.get("config").body()).json().get("summary").asText());
    }

    @Test
    void theAuditLogShowsThatASecretChangedAndNothingDerivedFromIt() throws Exception {
        List<String> secrets = new ArrayList<>();
        String[][] versions = {{"short-k1", "first pass"}, {"short-k2", "second pass"}};
        for (String[] keyAndPassword : versions) {
            Api.Reply put = api.put("consumers/alice", "{\"key_auth\": {\"key\": \"" + keyAndPassword[0]
                    + "\"}, \"basic_auth\": {\"username\": \"alice\", \"password\": \"" + keyAndPassword[1] + "\"}}");
            assertEquals(200, put.status(), put.toString());
            JsonNode spec = storedSpec("consumers", "alice");
            secrets.addAll(List.of(keyAndPassword));
            secrets.add(SecretHash.hashApiKey(keyAndPassword[0]).substring(SecretHash.API_KEY_PREFIX.length()));
            // pbkdf2-sha256:<iterations>:<salt>:<hash>
            String[] password = spec.at("/basic_auth/password").asText().split(":");
            secrets.addAll(List.of(password[2], password[3]));
        }

        JsonNode audit = api.get("audit?limit=10").json().get("items");
        JsonNode change = audit.get(0).get("changes").get(0);
        assertEquals("changed", change.get("op").asText(), audit.toString());
        assertEquals(List.of("basic_auth.password", "key_auth.key"), texts(change.get("fields")));
        String text = audit.toString();
        assertFalse(text.contains("sha256"), text);
        for (String secret : secrets) {
            // any 8 characters from the start of a secret or of its stored hash would be a lead
            assertFalse(text.contains(secret.substring(0, 8)), secret + " in " + text);
        }
    }

    @Test
    void pluginSecretsAreStoredForNodesButNeverAnsweredAndAMaskKeepsThem() throws Exception {
        String hmac = "hmac-secret-of-at-least-32-bytes-0123456789";
        String clientSecret = "introspection-client-secret-42";
        assertEquals(201, api.post("upstreams", "{\"id\":\"u\",\"targets\":[{\"url\":\"http://127.0.0.1:9\"}]}").status());
        Api.Reply route = api.post("routes", "{\"id\":\"r\",\"paths\":[\"/r/*\"],\"upstream\":\"u\","
                + "\"plugins\":{\"jwt-auth\":{\"algorithms\":[\"HS256\"],\"secret\":\"" + hmac + "\"}}}");
        assertEquals(201, route.status(), route.toString());
        Api.Reply plugins = api.put("global-plugins", "{\"oauth2-introspection\":{\"endpoint\":\"http://127.0.0.1:9/introspect\","
                + "\"client_id\":\"gw\",\"client_secret\":\"" + clientSecret + "\"}}");
        assertEquals(200, plugins.status(), plugins.toString());
        // nodes read the secrets as given
        assertEquals(hmac, storedSpec("routes", "r").at("/plugins/jwt-auth/secret").asText());

        for (Api.Reply reply : new Api.Reply[] {route, plugins, api.get("routes/r"), api.get("routes"), api.get("global-plugins"),
                api.get("config"), api.get("config", "Accept", "application/yaml"),
                api.put("routes/r?dry_run=true", route.body().replace("/r/*", "/r2/*"))}) {
            assertFalse(reply.body().contains(hmac), reply.body());
            assertFalse(reply.body().contains(clientSecret), reply.body());
            assertTrue(reply.body().contains(Secrets.MASK), reply.body());
        }

        // what was read, sent back (one object, or the whole export) keeps the stored secrets
        Api.Reply moved = api.put("routes/r", api.get("routes/r").body().replace("/r/*", "/r2/*"));
        assertEquals(200, moved.status(), moved.toString());
        assertEquals(hmac, storedSpec("routes", "r").at("/plugins/jwt-auth/secret").asText());
        assertEquals("no changes", api.put("config", api.get("config").body()).json().get("summary").asText());
        assertEquals(200, api.put("global-plugins", api.get("global-plugins").body()).status());
        assertTrue(TestController.get().etcdValue(TestController.PREFIX + "/global_plugins").contains(clientSecret));

        // a mask with nothing behind it is refused at its field, never stored as the secret
        Api.Reply masked = api.post("routes", "{\"id\":\"r3\",\"paths\":[\"/r3\"],\"upstream\":\"u\","
                + "\"plugins\":{\"jwt-auth\":{\"algorithms\":[\"HS256\"],\"secret\":\"" + Secrets.MASK + "\"}}}");
        assertEquals(400, masked.status(), masked.toString());
        assertTrue(masked.body().contains("plugins.jwt-auth.secret"), masked.toString());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
