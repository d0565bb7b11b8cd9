package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;

/** The whole config at once: atomic replace, export in both formats, validate, global plugins. */
class ConfigApiTest {
    static final String CONFIG = """
            routes:
              - {id: users, paths: [/users], upstream: users-svc}
              - {id: orders, paths: ["/orders/*"], upstream: orders-svc, timeouts: {read: 5s}}
            upstreams:
              - id: users-svc
                targets: [{url: "http://127.0.0.1:8081"}]
              - id: orders-svc
                balancer: weighted
                targets: [{url: "http://127.0.0.1:8082", weight: 3}, {url: "http://127.0.0.1:8083"}]
            consumers:
              - {id: bob, jwt: {issuer: "https://idp.example.com"}}
            global_plugins: {test-tag: {}}
            """;
    private final Api api = Api.admin();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    @Test
    void aReplacedConfigExportsAsTheSameConfigInYamlAndJson() {
        Api.Reply put = api.put("config", CONFIG, "Content-Type", "application/yaml");
        assertEquals(200, put.status(), put.toString());
        assertEquals("+2 routes, +2 upstreams, +1 consumer, +global plugins", put.json().get("summary").asText());
        GatewayConfig sent = ConfigCodec.readConfig(CONFIG, ConfigCodec.Format.YAML).orElseThrow();

        Api.Reply yaml = api.get("config", "Accept", "application/yaml");
        assertEquals(200, yaml.status());
        assertTrue(yaml.header("Content-Type").startsWith("application/yaml"), yaml.header("Content-Type"));
        Api.Reply json = api.get("config", "Accept", "application/json");
        assertTrue(json.header("Content-Type").startsWith("application/json"));
        for (GatewayConfig exported : new GatewayConfig[] {
                ConfigCodec.readConfig(yaml.body(), ConfigCodec.Format.YAML).orElseThrow(),
                ConfigCodec.readConfig(json.body(), ConfigCodec.Format.JSON).orElseThrow()}) {
            assertEquals(java.util.List.of(), stargate.model.diff.ConfigDiff.diff(sent, exported));
        }

        // re-importing the export changes nothing and writes nothing
        long revision = Long.parseLong(json.header("X-Stargate-Revision"));
        Api.Reply again = api.put("config", json.body());
        assertEquals("no changes", again.json().get("summary").asText());
        assertEquals(revision, Long.parseLong(api.get("config").header("X-Stargate-Revision")));
    }

    @Test
    void aReplaceRemovesWhatTheNewConfigLacksInOneRevision() throws Exception {
        api.put("config", CONFIG, "Content-Type", "application/yaml");
        Api.Reply put = api.put("config", """
                {"upstreams": [{"id": "users-svc", "targets": [{"url": "http://127.0.0.1:9000"}]}]}""");
        assertEquals(200, put.status(), put.toString());
        assertEquals("-2 routes, ~1 upstream, -1 upstream, -1 consumer, -global plugins", put.json().get("summary").asText());
        long revision = put.json().get("revision").asLong();
        // one transaction: the changed upstream and the fence are the only config keys left, both written at that revision
        assertEquals(2, TestController.get().configKeyCount());
        assertEquals(revision, api.get("upstreams/users-svc").json().get("revision").asLong());
    }

    @Test
    void anInvalidConfigIsRefusedWithEveryErrorAndNothingChanges() throws Exception {
        api.put("config", CONFIG, "Content-Type", "application/yaml");
        long keys = TestController.get().etcdCount();
        String before = api.get("config").body();
        Api.Reply put = api.put("config", """
                routes:
                  - {id: a, paths: [/a], upstream: missing}
                  - {id: b, paths: [no-slash], upstream: users-svc}
                upstreams:
                  - {id: users-svc, targets: [{url: "http://127.0.0.1:1"}]}
                """, "Content-Type", "application/yaml");
        assertEquals(400, put.status());
        assertEquals(2, put.json().get("errors").size(), put.toString());
        assertEquals("routes[0].upstream", put.json().get("errors").get(0).get("path").asText());
        assertTrue(put.json().get("errors").get(1).get("path").asText().startsWith("routes[1].paths[0]"));
        assertEquals(keys, TestController.get().etcdCount());
        assertEquals(before, api.get("config").body());
    }

    @Test
    void readingAndReferenceErrorsAreAnsweredTogether() {
        Api.Reply put = api.put("config", """
                routes:
                  - {id: a, paths: [/a], upstream: users-svc, colour: red}
                  - {id: b, paths: [/b], upstream: missing}
                upstreams:
                  - {id: users-svc, targets: [{url: "http://127.0.0.1:1"}]}
                """, "Content-Type", "application/yaml");
        assertEquals(400, put.status());
        assertEquals("[{\"path\":\"routes[0]\",\"message\":\"unknown key \\\"colour\\\"\"},"
                + "{\"path\":\"routes[1].upstream\",\"message\":\"unknown upstream \\\"missing\\\"\"}]",
                put.json().get("errors").toString(), put.toString());
    }

    @Test
    void validateAndDryRunAnswerTheDiffAndWriteNothing() throws Exception {
        Api.Reply validate = api.post("config/validate", CONFIG, "Content-Type", "application/yaml");
        assertEquals(200, validate.status(), validate.toString());
        assertEquals(6, validate.json().get("changes").size());
        Api.Reply dry = api.put("config?dry_run=true", CONFIG, "Content-Type", "application/yaml");
        assertEquals(validate.json().get("changes"), dry.json().get("changes"));
        assertEquals(0, TestController.get().etcdCount());
        Api.Reply invalid = api.post("config/validate", "routes: [{id: x}]", "Content-Type", "application/yaml");
        assertEquals(400, invalid.status());
    }

    @Test
    void theWholeConfigHonoursIfMatch() {
        String etag = api.get("config").header("ETag");
        assertEquals(200, api.put("config", "{}", "If-Match", etag).status());
        api.post("upstreams", ObjectsApiTest.UPSTREAM);
        assertEquals(412, api.put("config", "{}", "If-Match", etag).status());
    }

    @Test
    void globalPluginsAreReadAndReplacedAsOneObject() {
        assertEquals(0, api.get("global-plugins").json().get("revision").asLong());
        Api.Reply put = api.put("global-plugins", "{\"test-tag\": {}}");
        assertEquals(200, put.status(), put.toString());
        assertTrue(put.json().has("test-tag"));
        Api.Reply read = api.get("global-plugins");
        assertEquals(put.json(), read.json());
        assertEquals(412, api.put("global-plugins", "{}", "If-Match", "\"1\"").status());
        Api.Reply unknown = api.put("global-plugins", "{\"no-such-plugin\": {}}");
        assertEquals(400, unknown.status(), unknown.toString());
        assertEquals(200, api.put("global-plugins", "{}", "If-Match", read.header("ETag")).status());
        assertEquals(0, api.get("global-plugins").json().get("revision").asLong());
    }
}
