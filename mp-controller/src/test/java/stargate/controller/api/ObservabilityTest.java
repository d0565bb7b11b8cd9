package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/** OpenAPI and its UI, health, metrics, and the fleet view of /nodes. */
class ObservabilityTest {
    private final Api anonymous = Api.as(null);

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    @Test
    void theOpenApiDocumentListsEveryPathWithItsKindSchemaAndProblems() throws Exception {
        Api.Reply doc = anonymous.get("/openapi", "Accept", "application/json");
        assertEquals(200, doc.status());
        JsonNode paths = doc.json().get("paths");
        for (String kind : List.of("routes", "upstreams", "consumers", "certificates")) {
            assertTrue(paths.has("/api/v1/" + kind), kind);
            assertTrue(paths.has("/api/v1/" + kind + "/{id}"), kind);
        }
        for (String path : List.of("/api/v1/global-plugins", "/api/v1/config", "/api/v1/config/validate", "/api/v1/nodes")) {
            assertTrue(paths.has(path), path);
        }
        JsonNode put = paths.get("/api/v1/routes/{id}").get("put");
        assertEquals("#/components/schemas/Route", put.at("/requestBody/content/application~1json/schema/$ref").asText());
        for (String status : List.of("400", "401", "403", "409", "412", "503")) {
            assertTrue(put.get("responses").has(status), status);
        }
        assertTrue(doc.json().at("/components/schemas/Problem/properties").has("errors"));
    }

    @Test
    void swaggerUiAnswers() {
        Api.Reply ui = anonymous.get("/openapi/ui");
        assertEquals(200, ui.status());
        assertTrue(ui.body().toLowerCase().contains("swagger"));
    }

    @Test
    void healthIsUpWithEtcd() {
        assertEquals(200, anonymous.get("/health/live").status());
        Api.Reply ready = anonymous.get("/health/ready");
        assertEquals(200, ready.status());
        assertEquals("UP", ready.json().get("checks").get(0).get("status").asText());
    }

    @Test
    void writesAreCountedByKindAndResult() {
        Api admin = Api.admin();
        admin.post("upstreams", ObjectsApiTest.UPSTREAM);
        admin.post("routes", "{\"id\":\"r\",\"paths\":[\"/r\"],\"upstream\":\"missing\"}");
        String metrics = anonymous.get("/metrics?scope=application", "Accept", "text/plain").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stargate_controller_writes_total{")
                && l.contains("kind=\"upstreams\"") && l.contains("result=\"ok\"")), metrics);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stargate_controller_writes_total{")
                && l.contains("kind=\"routes\"") && l.contains("result=\"invalid-config\"")), metrics);
    }

    @Test
    void nodesShowTheirLagBehindTheCurrentRevision() throws Exception {
        Api admin = Api.admin();
        assertEquals(0, admin.get("nodes").json().get("items").size());
        long applied = admin.post("upstreams", ObjectsApiTest.UPSTREAM).json().get("revision").asLong();
        TestController.get().etcdPut(TestController.PREFIX + "/nodes/node-1",
                "{\"address\":\"127.0.0.1:8080\",\"applied_revision\":" + applied + ",\"last_error\":\"bad route x\"}");
        admin.post("upstreams", ObjectsApiTest.UPSTREAM.replace("users-svc", "other"));
        JsonNode nodes = admin.get("nodes").json();
        JsonNode node = nodes.get("items").get(0);
        assertEquals("node-1", node.get("id").asText());
        assertEquals(applied, node.get("applied_revision").asLong());
        assertEquals(nodes.get("revision").asLong() - applied, node.get("lag").asLong());
        assertTrue(node.get("lag").asLong() >= 2);
        assertEquals("bad route x", node.get("last_error").asText());
        assertEquals("127.0.0.1:8080", node.get("address").asText());
    }
}
