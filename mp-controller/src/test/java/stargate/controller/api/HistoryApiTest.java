package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/** History, rollback and the audit log of API writes (GitOps off in this controller). */
class HistoryApiTest {
    private final Api api = Api.admin();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    @Test
    void aRollbackRestoresExactlyTheEarlierExportAsANewAuditedRevision() throws Exception {
        Api.Reply put = api.put("config", ConfigApiTest.CONFIG.replace("consumers:\n", """
                consumers:
                  - {id: carol, key_auth: {key: carol-key-0123456789}, basic_auth: {username: carol, password: s3cret-pass}}
                """), "Content-Type", "application/yaml");
        assertEquals(200, put.status(), put.toString());
        long revision = put.json().get("revision").asLong();
        String export = api.get("config").body();
        String storedCarol = TestController.get().etcdValue(TestController.PREFIX + "/consumers/carol");

        assertEquals(204, api.delete("routes/users").status());
        assertEquals(200, api.put("consumers/carol", "{\"key_auth\": {\"key\": \"another-key-0123456789\"}}").status());
        assertNotEquals(export, api.get("config").body());

        Api.Reply rollback = api.post("rollback", "{\"revision\": " + revision + "}");
        assertEquals(200, rollback.status(), rollback.toString());
        assertEquals(revision, rollback.json().get("restored_revision").asLong());
        assertEquals(export, api.get("config").body());
        // the stored secrets come back as they were: hashed once, not hashed again
        JsonNode spec = new com.fasterxml.jackson.databind.ObjectMapper().readTree(storedCarol).get("spec");
        JsonNode restored = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(TestController.get().etcdValue(TestController.PREFIX + "/consumers/carol")).get("spec");
        assertEquals(spec, restored);

        JsonNode history = api.get("history").json().get("items");
        assertEquals("rollback", history.get(0).get("source").asText());
        assertEquals("rollback to revision " + revision, history.get(0).get("note").asText());
        assertEquals(rollback.json().get("revision").asLong(), history.get(0).get("revision").asLong());
        assertEquals(revision, history.get(3).get("revision").asLong());
        assertEquals(4, history.size());

        assertEquals(404, api.post("rollback", "{\"revision\": 1}").status());
        assertEquals(400, api.post("rollback", "{}").status());
        assertEquals(403, Api.as(TestController.VIEWER_KEY).post("rollback", "{\"revision\": " + revision + "}").status());
    }

    @Test
    void theAuditLogSaysWhoChangedWhatFromWhereAndPages() {
        api.post("upstreams", ObjectsApiTest.UPSTREAM);
        api.post("routes", "{\"id\": \"a\", \"paths\": [\"/a\"], \"upstream\": \"users-svc\"}");
        api.patch("routes/a", "{\"priority\": 3}");
        Api viewer = Api.as(TestController.VIEWER_KEY);
        JsonNode page = viewer.get("audit?limit=2").json();
        JsonNode newest = page.get("items").get(0);
        assertEquals("alice", newest.get("who").asText());
        assertEquals("api", newest.get("source").asText());
        assertEquals("127.0.0.1", newest.get("from").asText());
        assertEquals("~1 route", newest.get("summary").asText());
        JsonNode change = newest.get("changes").get(0);
        assertEquals("changed", change.get("op").asText());
        assertEquals("routes", change.get("kind").asText());
        assertEquals("a", change.get("id").asText());
        assertEquals("[\"priority\"]", change.get("fields").toString(), change.toString());
        assertEquals(newest.get("revision").asLong(), api.get("routes/a").json().get("revision").asLong());
        assertFalse(page.get("items").get(1).get("changes").get(0).has("fields"), page.toString());

        JsonNode older = viewer.get("audit?limit=2&after=" + page.get("next_after").asLong()).json();
        assertEquals(1, older.get("items").size());
        assertEquals("+1 upstream", older.get("items").get(0).get("summary").asText());
        assertTrue(older.get("next_after").isNull());
        assertEquals(400, viewer.get("audit?limit=0").status());
        assertEquals(401, Api.as(null).get("audit").status());
    }

    @Test
    void theNewEndpointsAreInTheOpenApiDocumentAndGitOpsSaysItIsOff() {
        String openapi = Api.as(null).get("/openapi", "Accept", "application/json").body();
        for (String path : List.of("/api/v1/history", "/api/v1/audit", "/api/v1/rollback", "/api/v1/gitops/status",
                "/api/v1/gitops/sync", "/api/v1/gitops/webhook", "/api/v1/gitops/suspend")) {
            assertTrue(openapi.contains("\"" + path + "\""), path);
        }
        assertEquals(false, api.get("gitops/status").json().get("enabled").asBoolean());
        assertEquals(404, api.post("gitops/sync", "").status());
        assertEquals(404, Api.as(null).post("gitops/webhook", "{}").status());
    }

    @Test
    void historyKeepsTheNewestVersionsOnly() {
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < TestController.HISTORY_KEEP + 2; i++) {
            Api.Reply put = api.put("upstreams/u" + i, "{\"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}");
            assertEquals(200, put.status(), put.toString());
            revisions.add(put.json().get("revision").asLong());
        }
        JsonNode items = api.get("history?limit=100").json().get("items");
        assertEquals(TestController.HISTORY_KEEP, items.size());
        assertEquals(revisions.get(revisions.size() - 1), items.get(0).get("revision").asLong());
        // the trimmed versions cannot be restored; the oldest kept one can
        assertEquals(404, api.post("rollback?dry_run=true", "{\"revision\": " + revisions.get(1) + "}").status());
        Api.Reply dry = api.post("rollback?dry_run=true", "{\"revision\": " + revisions.get(2) + "}");
        assertEquals(200, dry.status(), dry.toString());
        assertEquals("-4 upstreams", dry.json().get("summary").asText());
    }
}
