package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/** The list endpoints page ({@code ?limit&continue}), every page of a list at the first page's revision. */
class ListPagingTest {
    private final Api api = Api.admin();

    @BeforeEach
    void sevenUpstreams() throws Exception {
        TestController.get().clear();
        StringBuilder config = new StringBuilder("upstreams:\n");
        for (char c = 'a'; c <= 'g'; c++) {
            config.append("  - {id: ").append(c).append(", targets: [{url: \"http://127.0.0.1:8081\"}]}\n");
        }
        assertEquals(200, api.put("config", config.toString(), "Content-Type", "application/yaml").status());
    }

    @Test
    void pagesFollowEachOtherAtOneRevisionWhateverIsWrittenMeanwhile() {
        JsonNode first = api.get("upstreams?limit=3").json();
        assertEquals(List.of("a", "b", "c"), ids(first));
        assertEquals(3, first.get("count").asInt());
        long revision = first.get("revision").asLong();
        assertNotNull(first.get("continue"), first.toString());

        // written after the first page: not seen by the rest of this list
        assertEquals(204, api.delete("upstreams/e").status());
        assertEquals(201, api.post("upstreams", "{\"id\": \"h\", \"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}").status());

        Api.Reply secondReply = api.get("upstreams?limit=3&continue=" + first.get("continue").asText());
        JsonNode second = secondReply.json();
        assertEquals(List.of("d", "e", "f"), ids(second));
        assertEquals(revision, second.get("revision").asLong());
        assertEquals("\"" + revision + "\"", secondReply.header("ETag"));
        JsonNode third = api.get("upstreams?limit=3&continue=" + second.get("continue").asText()).json();
        assertEquals(List.of("g"), ids(third));
        assertFalse(third.has("continue"), third.toString());

        // a new list sees the writes
        JsonNode now = api.get("upstreams").json();
        assertEquals(List.of("a", "b", "c", "d", "f", "g", "h"), ids(now));
        assertFalse(now.has("continue"));
        assertTrue(now.get("revision").asLong() > revision);
    }

    @Test
    void aPageOfExactlyWhatIsLeftSaysNoMore() {
        JsonNode all = api.get("upstreams?limit=7").json();
        assertEquals(7, all.get("count").asInt());
        assertFalse(all.has("continue"), all.toString());
        JsonNode none = api.get("routes?limit=5").json();
        assertEquals(0, none.get("count").asInt());
        assertFalse(none.has("continue"));
    }

    @Test
    void aBadLimitIsRefusedNamingIt() {
        for (String limit : List.of("0", "-1", "5001", "abc", "1e3", "99999999999", "")) {
            Api.Reply reply = api.get("upstreams?limit=" + limit);
            assertEquals(400, reply.status(), limit + ": " + reply);
            assertEquals("urn:stargate:problem:bad-request", reply.json().get("type").asText());
            assertEquals("limit", reply.json().get("errors").get(0).get("path").asText(), reply.toString());
        }
        assertEquals(200, api.get("upstreams?limit=5000").status());
    }

    @Test
    void aForgedOrForeignContinueTokenIsRefusedNamingIt() {
        String fromRoutes = token("routes:5:a");
        List<String> bad = List.of("not*base64", token("upstreams:5"), token("upstreams:x:a"), token("upstreams:0:a"),
                token("upstreams:-3:a"), token("upstreams:5:../../audit/x"), token("upstreams:5:A"),
                token("upstreams:5:"), fromRoutes, token("upstreams:999999999:a"), "x".repeat(300));
        for (String token : bad) {
            Api.Reply reply = api.get("upstreams?limit=2&continue=" + token);
            assertEquals(400, reply.status(), token + ": " + reply);
            assertEquals("continue", reply.json().get("errors").get(0).get("path").asText(), reply.toString());
        }
    }

    @Test
    void aTokenWhoseRevisionWasCompactedIsGone() throws Exception {
        JsonNode first = api.get("upstreams?limit=2").json();
        assertEquals(204, api.delete("upstreams/g").status()); // a newer revision, so the first page's can be compacted
        TestController.get().etcdCompact();
        Api.Reply gone = api.get("upstreams?limit=2&continue=" + first.get("continue").asText());
        assertEquals(410, gone.status(), gone.toString());
        assertEquals("urn:stargate:problem:continue-expired", gone.json().get("type").asText());
        assertEquals(List.of("a", "b"), ids(api.get("upstreams?limit=2").json())); // a new list works
    }

    @Test
    void theOpenApiDocumentDescribesPaging() {
        JsonNode get = Api.as(null).get("/openapi", "Accept", "application/json").json()
                .get("paths").get("/api/v1/routes").get("get");
        List<String> params = new ArrayList<>();
        get.get("parameters").forEach(p -> params.add(p.get("name").asText()));
        assertTrue(params.containsAll(List.of("limit", "continue")), params.toString());
        get.get("parameters").forEach(p -> {
            if (p.get("name").asText().equals("limit")) {
                assertEquals("integer", p.get("schema").get("type").asText(), p.toString());
                assertEquals(5000, p.get("schema").get("maximum").asInt(), p.toString());
            }
        });
        assertTrue(get.get("responses").has("400") && get.get("responses").has("410"), get.toString());
        assertTrue(get.toString().contains("continue"), get.toString());
    }

    private static String token(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(i -> ids.add(i.get("id").asText()));
        return ids;
    }
}
