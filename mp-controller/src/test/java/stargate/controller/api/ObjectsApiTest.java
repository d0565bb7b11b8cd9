package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import stargate.controller.Api;
import stargate.controller.TestController;

/** CRUD, validation, concurrency and referential integrity of the per-kind endpoints, over real HTTP and etcd. */
class ObjectsApiTest {
    static final String UPSTREAM = "{\"id\":\"users-svc\",\"targets\":[{\"url\":\"http://127.0.0.1:8081\"}]}";
    static final String ROUTE = "{\"id\":\"users\",\"paths\":[\"/users\"],\"upstream\":\"users-svc\"}";
    static final String CERT = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n";
    static final String KEY = "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Api api = Api.admin();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    /** Per kind: folder, id, body to create, a merge patch, and a field the patch changes with its new value. */
    static Stream<Arguments> kinds() {
        return Stream.of(
                Arguments.of("upstreams", "users-svc", UPSTREAM, "{\"balancer\":\"least-connections\"}", "balancer", "\"least-connections\""),
                Arguments.of("routes", "users", ROUTE, "{\"priority\":5}", "priority", "5"),
                Arguments.of("consumers", "alice", "{\"id\":\"alice\",\"jwt\":{\"issuer\":\"https://idp\"}}",
                        "{\"jwt\":{\"audience\":\"api\"}}", "jwt", "{\"issuer\":\"https://idp\",\"audience\":\"api\"}"),
                Arguments.of("certificates", "example", "{\"id\":\"example\",\"snis\":[\"api.example.com\"],\"cert\":\""
                        + CERT + "\",\"key\":\"" + KEY + "\"}", "{\"snis\":[\"www.example.com\"]}", "snis", "[\"www.example.com\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void createReadReplacePatchListDeleteRoundTrip(String folder, String id, String body, String patch, String field,
                                                  String patched) throws Exception {
        if (folder.equals("routes")) {
            assertEquals(201, api.post("upstreams", UPSTREAM).status());
        }
        Api.Reply created = api.post(folder, body);
        assertEquals(201, created.status(), created.toString());
        assertTrue(created.header("Location").endsWith("/api/v1/" + folder + "/" + id));
        JsonNode object = created.json();
        long revision = object.get("revision").asLong();
        assertEquals("\"" + revision + "\"", created.header("ETag"));
        assertEquals("alice", object.get("updated_by").asText());
        assertEquals(object.get("created_at"), object.get("updated_at"));

        Api.Reply read = api.get(folder + "/" + id);
        assertEquals(200, read.status());
        assertEquals(object, read.json());
        assertEquals(created.header("ETag"), read.header("ETag"));

        // PUT back exactly what was read: server-owned fields are ignored, nothing changes
        Api.Reply same = api.put(folder + "/" + id, read.body());
        assertEquals(200, same.status(), same.toString());
        assertEquals(revision, same.json().get("revision").asLong());

        Api.Reply changed = api.patch(folder + "/" + id, patch, "Content-Type", "application/merge-patch+json");
        assertEquals(200, changed.status(), changed.toString());
        assertEquals(JSON.readTree(patched), changed.json().get(field));
        assertTrue(changed.json().get("revision").asLong() > revision);
        assertEquals(object.get("created_at"), changed.json().get("created_at"));

        Api.Reply list = api.get(folder);
        assertEquals(1, list.json().get("count").asInt());
        assertEquals(changed.json(), list.json().get("items").get(0));

        assertEquals(204, api.delete(folder + "/" + id).status());
        assertEquals(404, api.get(folder + "/" + id).status());
    }

    @Test
    void aRouteToAMissingUpstreamIsRefusedWithThePathAndNothingIsWritten() throws Exception {
        Api.Reply reply = api.post("routes", ROUTE);
        assertEquals(400, reply.status());
        assertEquals("application/problem+json", reply.header("Content-Type"));
        JsonNode problem = reply.json();
        assertEquals(400, problem.get("status").asInt());
        assertEquals("upstream", problem.get("errors").get(0).get("path").asText());
        assertTrue(problem.get("errors").get(0).get("message").asText().contains("users-svc"), problem.toString());
        assertEquals(0, TestController.get().etcdCount());
    }

    @Test
    void everyErrorOfABodyIsReportedWithItsPath() {
        Api.Reply reply = api.put("upstreams/u1", "{\"targets\":[{\"url\":\"http://127.0.0.1:1\",\"weight\":\"heavy\"}],"
                + "\"colour\":\"blue\"}");
        assertEquals(400, reply.status(), reply.toString());
        List<String> errors = new ArrayList<>();
        reply.json().get("errors").forEach(e -> errors.add(e.get("path").asText() + ": " + e.get("message").asText()));
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("colour")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("targets[0].weight")), errors.toString());
    }

    @Test
    void malformedJsonIsA400ProblemWithTheLocation() {
        Api.Reply reply = api.put("upstreams/u1", "{\"targets\": [");
        assertEquals(400, reply.status());
        assertTrue(reply.json().get("errors").get(0).get("message").asText().contains("line 1"), reply.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bad_Id", "..", "%2E%2E", "a%2Fb", "-leading-dash"})
    void badIdsAreRefused(String id) {
        Api.Reply reply = api.put("upstreams/" + id, UPSTREAM.replace("users-svc", "x"));
        assertEquals(400, reply.status(), reply.toString());
        assertEquals("id", reply.json().get("errors").get(0).get("path").asText());
    }

    @Test
    void anIdInTheBodyThatDiffersFromTheUrlIsRefused() {
        Api.Reply reply = api.put("upstreams/other", UPSTREAM);
        assertEquals(400, reply.status());
        assertEquals("id", reply.json().get("errors").get(0).get("path").asText());
    }

    @Test
    void creatingAnExistingIdIsAConflict() {
        assertEquals(201, api.post("upstreams", UPSTREAM).status());
        Api.Reply again = api.post("upstreams", UPSTREAM.replace("8081", "8082"));
        assertEquals(409, again.status(), again.toString());
        assertTrue(api.get("upstreams/users-svc").body().contains("8081"));
    }

    @Test
    void deletingAReferencedUpstreamIsAConflictListingTheReferrers() {
        api.post("upstreams", UPSTREAM);
        api.post("routes", ROUTE);
        api.post("routes", ROUTE.replace("\"users\"", "\"users-2\"").replace("/users", "/people"));
        Api.Reply reply = api.delete("upstreams/users-svc");
        assertEquals(409, reply.status(), reply.toString());
        JsonNode errors = reply.json().get("errors");
        assertEquals(2, errors.size());
        assertEquals("routes[0].upstream", errors.get(0).get("path").asText());
        assertTrue(errors.get(1).get("message").asText().contains("users-2"));
        assertEquals(200, api.get("upstreams/users-svc").status());
    }

    @Test
    void aDryRunAnswersTheDiffAndWritesNothing() throws Exception {
        Api.Reply reply = api.post("upstreams?dry_run=true", UPSTREAM);
        assertEquals(200, reply.status(), reply.toString());
        assertTrue(reply.json().get("dry_run").asBoolean());
        assertEquals("+1 upstream", reply.json().get("summary").asText());
        assertEquals("added", reply.json().get("changes").get(0).get("op").asText());
        assertEquals(0, TestController.get().etcdCount());

        api.post("upstreams", UPSTREAM);
        long before = TestController.get().etcdCount();
        String etcdBefore = TestController.get().etcdValue(TestController.PREFIX + "/upstreams/users-svc");
        for (Api.Reply dry : List.of(
                api.put("upstreams/users-svc?dry_run=true", UPSTREAM.replace("8081", "8082")),
                api.patch("upstreams/users-svc?dry_run=true", "{\"balancer\":\"ip-hash\"}"),
                api.delete("upstreams/users-svc?dry_run=true"))) {
            assertEquals(200, dry.status(), dry.toString());
            assertEquals(1, dry.json().get("changes").size());
        }
        assertEquals(before, TestController.get().etcdCount());
        assertEquals(etcdBefore, TestController.get().etcdValue(TestController.PREFIX + "/upstreams/users-svc"));
    }

    @Test
    void aWriteWithAStaleETagFailsWith412() {
        String etag = api.post("upstreams", UPSTREAM).header("ETag");
        assertEquals(200, api.put("upstreams/users-svc", UPSTREAM.replace("8081", "8082"), "If-Match", etag).status());
        Api.Reply stale = api.put("upstreams/users-svc", UPSTREAM.replace("8081", "8083"), "If-Match", etag);
        assertEquals(412, stale.status());
        assertEquals("application/problem+json", stale.header("Content-Type"));
        assertEquals(412, api.delete("upstreams/users-svc", "If-Match", etag).status());
        assertEquals(412, api.patch("upstreams/users-svc", "{\"balancer\":\"ip-hash\"}", "If-Match", etag).status());
        assertTrue(api.get("upstreams/users-svc").body().contains("8082"));
    }

    @Test
    void twoWritersWithTheSameETagExactlyOneWins() throws Exception {
        String etag = api.post("upstreams", UPSTREAM).header("ETag");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                String current = round == 0 ? etag : api.get("upstreams/users-svc").header("ETag");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Api.Reply>> writes = new ArrayList<>();
                for (int writer = 0; writer < 2; writer++) {
                    String port = "90" + round + writer;
                    writes.add(pool.submit(() -> {
                        go.await();
                        return api.put("upstreams/users-svc", UPSTREAM.replace("8081", port), "If-Match", current);
                    }));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<Api.Reply> w : writes) {
                    statuses.add(w.get().status());
                }
                statuses.sort(null);
                assertEquals(List.of(200, 412), statuses, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The server refuses by the declared length before reading the body, and closes; a client still
     * sending the body may then see a broken pipe instead of the answer. So this speaks HTTP on a
     * raw socket: headers announcing 2 MiB, then it reads the answer.
     */
    @Test
    void aHugeBodyIsRefusedWith413() throws Exception {
        URI base = URI.create(TestController.get().baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /api/v1/upstreams/u HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-API-Key: " + TestController.ADMIN_KEY + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (2 * 1024 * 1024) + "\r\n\r\n{\"id\":").getBytes(StandardCharsets.US_ASCII));
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertEquals("HTTP/1.1 413 Request Entity Too Large", statusLine);
        }
        assertEquals(0, TestController.get().etcdCount());
    }
}
