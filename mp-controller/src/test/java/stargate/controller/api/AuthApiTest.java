package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/** API keys and bearer JWTs, mapped to the viewer and admin roles; failures are problem details. */
class AuthApiTest {
    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    @Test
    void noCredentialsIs401() {
        Api.Reply reply = Api.as(null).get("routes");
        assertEquals(401, reply.status());
        assertEquals("application/problem+json", reply.header("Content-Type"));
        assertEquals(401, reply.json().get("status").asInt());
    }

    @Test
    void anUnknownKeyIs401() {
        assertEquals(401, Api.as("not-a-listed-key").get("routes").status());
    }

    @Test
    void aViewerReadsButMayNotWrite() {
        Api viewer = Api.as(TestController.VIEWER_KEY);
        assertEquals(200, viewer.get("upstreams").status());
        assertEquals(200, viewer.post("config/validate", "{}").status());
        Api.Reply write = viewer.post("upstreams", ObjectsApiTest.UPSTREAM);
        assertEquals(403, write.status());
        assertEquals("application/problem+json", write.header("Content-Type"));
        assertEquals(403, viewer.delete("upstreams/users-svc").status());
        assertEquals(404, Api.admin().get("upstreams/users-svc").status());
    }

    @Test
    void anAdminWritesAndIsRecordedAsTheWriter() {
        Api.Reply created = Api.admin().post("upstreams", ObjectsApiTest.UPSTREAM);
        assertEquals(201, created.status());
        assertEquals("alice", created.json().get("updated_by").asText());
    }

    @Test
    void aSignedJwtWithTheAdminGroupMayWrite() throws Exception {
        HttpResponse<String> created = bearer(token("carol", "admin", Instant.now().plusSeconds(300), TestController.ISSUER),
                "POST", "upstreams", ObjectsApiTest.UPSTREAM);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("carol", new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body())
                .get("updated_by").asText());
    }

    @Test
    void aJwtViewerMayOnlyRead() throws Exception {
        String token = token("dave", "viewer", Instant.now().plusSeconds(300), TestController.ISSUER);
        assertEquals(200, bearer(token, "GET", "upstreams", null).statusCode());
        assertEquals(403, bearer(token, "POST", "upstreams", ObjectsApiTest.UPSTREAM).statusCode());
    }

    @Test
    void expiredForgedOrForeignTokensAre401() throws Exception {
        assertEquals(401, bearer(token("carol", "admin", Instant.now().minusSeconds(600), TestController.ISSUER),
                "GET", "upstreams", null).statusCode());
        assertEquals(401, bearer(token("carol", "admin", Instant.now().plusSeconds(300), "https://other"),
                "GET", "upstreams", null).statusCode());
        String valid = token("carol", "viewer", Instant.now().plusSeconds(300), TestController.ISSUER);
        String[] parts = valid.split("\\.");
        String escalated = b64("{\"iss\":\"" + TestController.ISSUER + "\",\"sub\":\"carol\",\"groups\":[\"admin\"],\"exp\":"
                + Instant.now().plusSeconds(300).getEpochSecond() + "}");
        assertEquals(401, bearer(parts[0] + "." + escalated + "." + parts[2], "GET", "upstreams", null).statusCode());
    }

    private static String token(String subject, String group, Instant expires, String issuer) throws Exception {
        return TestController.get().token(subject, group, expires, issuer);
    }

    private static String b64(String json) {
        return TestController.b64(json);
    }

    private static HttpResponse<String> bearer(String token, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestController.get().baseUrl() + "/api/v1/" + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
