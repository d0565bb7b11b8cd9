package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/** POST /explain against the config in etcd. */
class ExplainApiTest {
    private final Api api = Api.admin();

    @BeforeEach
    void config() throws Exception {
        TestController.get().clear();
        assertEquals(200, api.put("config", """
                routes:
                  - {id: user, paths: ["/users/{id}"], upstream: svc}
                  - {id: users-any, paths: ["/users/*"], upstream: svc}
                  - {id: admin, hosts: [admin.example.com], paths: ["/users/*"], upstream: svc}
                upstreams:
                  - {id: svc, targets: [{url: "http://127.0.0.1:8081"}]}
                """, "Content-Type", "application/yaml").status());
    }

    @Test
    void theTemplateRouteWinsWithItsParamsAndTheOthersSayWhy() {
        Api.Reply reply = Api.as(TestController.VIEWER_KEY).post("explain",
                "{\"method\":\"GET\",\"url\":\"http://api.example.com/users/42?x=1\",\"headers\":{}}");
        assertEquals(200, reply.status(), reply.toString());
        JsonNode out = reply.json();
        assertEquals("user", out.get("route").asText());
        assertEquals("42", out.get("params").get("id").asText());
        assertTrue(out.get("candidates").toString().contains("users-any"), out.toString());
    }

    @Test
    void theHostHeaderSelectsHostRoutes() {
        JsonNode out = api.post("explain", "{\"method\":\"GET\",\"url\":\"/users/42\",\"headers\":{\"Host\":\"admin.example.com\"}}")
                .json();
        assertEquals("admin", out.get("route").asText());
    }

    @Test
    void noMatchIsANullRoute() {
        JsonNode out = api.post("explain", "{\"method\":\"GET\",\"url\":\"/orders\"}").json();
        assertTrue(out.get("route").isNull(), out.toString());
    }

    @Test
    void theRequestIsMatchedOnItsNormalizedPath() {
        JsonNode out = api.post("explain", "{\"method\":\"GET\",\"url\":\"/orders/%2e%2e/users/%34%32?q=/../\"}")
                .json();
        assertEquals("user", out.get("route").asText(), out.toString());
        assertEquals("/users/42", out.get("path").asText());
        assertTrue(out.get("refused").isNull(), out.toString());
    }

    @Test
    void aPathTheNodeWouldRefuseSaysWhy() {
        JsonNode out = api.post("explain", "{\"method\":\"GET\",\"url\":\"/users/..%2Fadmin\"}").json();
        assertTrue(out.get("route").isNull(), out.toString());
        assertTrue(out.get("refused").asText().contains("%2F"), out.toString());
    }

    @Test
    void aRequestWithoutUrlIsRefused() {
        Api.Reply reply = api.post("explain", "{\"method\":\"GET\"}");
        assertEquals(400, reply.status());
        assertEquals("url", reply.json().get("errors").get(0).get("path").asText());
    }
}
