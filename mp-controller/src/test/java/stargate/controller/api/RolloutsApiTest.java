package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/**
 * Progressive rollouts through the admin API (docs/rollout.md). The node keys are written here by
 * hand, with the labels and generation figures real nodes report (it-tests' RolloutTest runs real
 * nodes), so each verdict of the bake loop is set up exactly.
 */
class RolloutsApiTest {
    private static final String ROUTE_V2 = "{\"paths\": [\"/users\"], \"upstream\": \"users-svc\", \"rewrite\": {\"path\": \"/v2\"}}";
    private final Api api = Api.admin();

    @BeforeEach
    void configWithOneRouteAndTwoNodes() throws Exception {
        TestController.get().clear();
        assertEquals(201, api.post("upstreams", ObjectsApiTest.UPSTREAM).status());
        assertEquals(201, api.post("routes", ObjectsApiTest.ROUTE).status());
        node("n1", "{\"canary\": \"true\"}", null);
        node("n2", "{}", null);
    }

    /** A node key as nodes write it; {@code generation} null = outside any rollout. */
    private static void node(String id, String labels, String generation) throws Exception {
        TestController.get().etcdPut(TestController.PREFIX + "/nodes/" + id, "{\"address\": \"127.0.0.1:1\", \"applied_revision\": 1, "
                + "\"labels\": " + labels + (generation == null ? "" : ", \"generation\": " + generation) + "}");
    }

    private static String figures(String rollout, String role, long requests, long errors) {
        long[] counts = new long[stargate.model.rollout.LatencyBuckets.SIZE];
        counts[0] = requests;
        return "{\"rollout\": \"" + rollout + "\", \"role\": \"" + role + "\", \"requests\": " + requests + ", \"errors_5xx\": "
                + errors + ", \"latency_counts\": " + java.util.Arrays.toString(counts) + "}";
    }

    private static String policy(String json) {
        return "&rollout_policy=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    private String start(String policyJson) {
        Api.Reply started = api.put("routes/users?rollout=canary" + policy(policyJson), ROUTE_V2);
        assertEquals(202, started.status(), started.toString());
        String id = started.json().get("id").asText();
        assertTrue(started.header("Location").endsWith("/api/v1/rollouts/" + id), started.header("Location"));
        return id;
    }

    private boolean servedV2() {
        return api.get("routes/users").json().path("rewrite").path("path").asText("").equals("/v2");
    }

    private static void eventually(Duration timeout, Runnable check) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void aCanaryWriteStartsARolloutInsteadOfWritingAndAnAbortLeavesTheConfigAlone() {
        String id = start("{\"bake\": \"1h\"}");
        assertFalse(servedV2(), "the config folders are not written");
        JsonNode r = Api.as(TestController.VIEWER_KEY).get("rollouts/" + id).json();
        assertEquals("baking", r.get("state").asText());
        assertEquals("[\"n1\"]", r.get("canaries").toString());
        assertEquals("1h", r.get("policy").get("bake").asText());
        assertEquals("10%", r.get("policy").get("canary_percent").asText() + "%");
        assertEquals("changed", r.get("changes").get(0).get("op").asText());
        assertFalse(r.get("changes").get(0).has("object"), "objects (secrets) are not shown");
        assertEquals(0, r.get("figures").get("canary").get("requests").asLong());
        assertEquals(id, api.get("rollouts").json().get("items").get(0).get("id").asText());

        Api.Reply second = api.put("routes/users?rollout=canary", "{\"paths\": [\"/u\"], \"upstream\": \"users-svc\"}");
        assertEquals(409, second.status(), second.toString());
        assertTrue(second.json().get("detail").asText().contains(id), second.toString());
        assertEquals(403, Api.as(TestController.VIEWER_KEY).post("rollouts/" + id + "/abort", "").status());

        Api.Reply aborted = api.post("rollouts/" + id + "/abort", "");
        assertEquals(200, aborted.status(), aborted.toString());
        assertEquals("aborted", aborted.json().get("state").asText());
        assertEquals("aborted by alice", aborted.json().get("reason").asText());
        assertEquals(409, api.post("rollouts/" + id + "/abort", "").status());
        assertEquals(409, api.post("rollouts/" + id + "/promote", "").status());
        assertFalse(servedV2());

        // the start and the abort are audit entries after the route's write; paging by one sees each once
        JsonNode newest = Api.as(TestController.VIEWER_KEY).get("audit?limit=1").json();
        JsonNode items = newest.get("items");
        assertEquals(3, items.size(), "a page never ends on an event, so it runs down to a write: " + newest);
        JsonNode abortEntry = items.get(0);
        assertEquals("rollout_aborted", abortEntry.get("event").asText(), abortEntry.toString());
        assertEquals(id, abortEntry.get("rollout").asText());
        assertEquals("alice", abortEntry.get("who").asText());
        assertEquals("rollout", abortEntry.get("source").asText());
        assertEquals("rollout " + id + " aborted by alice", abortEntry.get("summary").asText());
        assertEquals(0, abortEntry.get("verdict").get("canary").get("requests").asLong());
        JsonNode startEntry = items.get(1);
        assertEquals("rollout_started", startEntry.get("event").asText(), startEntry.toString());
        assertEquals("[\"n1\"]", startEntry.get("canaries").toString());
        assertEquals("1h", startEntry.get("policy").get("bake").asText());
        assertEquals("rollout " + id + " started: ~1 route on canaries n1", startEntry.get("summary").asText());
        JsonNode change = startEntry.get("changes").get(0);
        assertEquals("changed routes users", change.get("op").asText() + " " + change.get("kind").asText() + " "
                + change.get("id").asText());
        assertEquals("[\"rewrite\"]", change.get("fields").toString(), "the paths that differ, as for a write");
        assertTrue(abortEntry.get("revision").asLong() > startEntry.get("revision").asLong());
        JsonNode write = items.get(2);
        assertFalse(write.has("event"));
        assertEquals("routes", write.get("changes").get(0).get("kind").asText());
        assertEquals(write.get("sequence").asLong(), newest.get("next_after").asLong());
        assertEquals(startEntry.get("sequence").asLong(), write.get("sequence").asLong(), "events carry the write they follow");
        JsonNode older = api.get("audit?limit=1&after=" + newest.get("next_after").asLong()).json();
        assertEquals(1, older.get("items").size(), older.toString());
        assertEquals("upstreams", older.get("items").get(0).get("changes").get(0).get("kind").asText());
        assertTrue(older.get("next_after").isNull());

        assertEquals(404, api.get("rollouts/r-999999").status());
        assertEquals(404, api.get("rollouts/..%2Fnodes").status());
    }

    @Test
    void badRolloutRequestsAreRefusedWithThePath() {
        Api.Reply unknown = api.put("routes/users?rollout=linear", ROUTE_V2);
        assertEquals(400, unknown.status());
        assertEquals("rollout", unknown.json().get("errors").get(0).get("path").asText());
        Api.Reply badPolicy = api.put("routes/users?rollout=canary" + policy("{\"bake\": \"forever\", \"canary_percent\": 0}"), ROUTE_V2);
        assertEquals(400, badPolicy.status(), badPolicy.toString());
        assertEquals(java.util.Set.of("rollout_policy.bake", "rollout_policy.canary_percent"), java.util.Set.copyOf(
                badPolicy.json().get("errors").findValues("path").stream().map(JsonNode::asText).toList()));
        assertEquals(400, api.put("routes/users?x=1" + policy("{}"), ROUTE_V2).status(), "a policy without rollout");
        assertEquals(400, api.put("routes/users?rollout=canary" + policy("not json"), ROUTE_V2).status());
        Api.Reply unchanged = api.put("routes/users?rollout=canary", ObjectsApiTest.ROUTE);
        assertEquals(400, unchanged.status(), "nothing to roll out: " + unchanged);
        Api.Reply invalid = api.put("routes/users?rollout=canary", "{\"paths\": [\"/users\"], \"upstream\": \"nope\"}");
        assertEquals(400, invalid.status(), "validated as a write: " + invalid);
        Api.Reply dryRun = api.put("routes/users?rollout=canary&dry_run=true", ROUTE_V2);
        assertEquals(200, dryRun.status());
        assertEquals(0, api.get("rollouts").json().get("items").size(), "a dry run starts nothing");
        Api.Reply nobody = api.put("routes/users?rollout=canary" + policy("{\"canary_selector\": {\"zone\": \"mars\"}}"), ROUTE_V2);
        assertEquals(409, nobody.status());
        assertTrue(nobody.json().get("detail").asText().contains("n1"), "names the nodes and their labels: " + nobody);
    }

    @Test
    void aHandPromotionWritesTheChangeAsAnAuditedRevision() {
        String id = start("{\"bake\": \"1h\"}");
        Api.Reply promoted = api.post("rollouts/" + id + "/promote", "");
        assertEquals(200, promoted.status(), promoted.toString());
        assertEquals("promoted", promoted.json().get("state").asText());
        assertTrue(servedV2());
        JsonNode entries = api.get("audit?limit=1").json().get("items");
        JsonNode event = entries.get(0);
        assertEquals("rollout_promoted", event.get("event").asText(), entries.toString());
        assertEquals("alice", event.get("who").asText());
        assertTrue(event.get("reason").asText().startsWith("promoted by alice; "), event.toString());
        JsonNode audit = entries.get(1);
        assertFalse(audit.has("event"), "the promotion's write: " + audit);
        assertEquals("rollout", audit.get("source").asText());
        assertEquals("alice", audit.get("who").asText());
        assertTrue(audit.get("note").asText().startsWith("rollout " + id + ": promoted by alice"), audit.toString());
        assertTrue(event.get("reason").asText().endsWith("written at revision " + audit.get("revision").asLong()), event.toString());
        JsonNode history = api.get("history").json().get("items").get(0);
        assertEquals("rollout", history.get("source").asText());
        assertEquals("~1 route", history.get("summary").asText());
        // the rollout is over: a new one may start, PUT /config may ask for one too
        String config = api.get("config").body().replace("/v2", "/v3");
        Api.Reply whole = api.put("config?rollout=canary", config);
        assertEquals(202, whole.status(), whole.toString());
        assertEquals("~1 route", whole.json().get("summary").asText());
        assertEquals(200, api.post("rollouts/" + whole.json().get("id").asText() + "/abort", "").status());
    }

    @Test
    void theBakeLoopRollsBackOnABreachAndPromotesAGoodChangeAfterTheBake() throws Exception {
        String bad = start("{\"bake\": \"2s\", \"min_requests\": 20}");
        node("n1", "{\"canary\": \"true\"}", figures(bad, "canary", 10, 10));
        node("n2", "{}", figures(bad, "baseline", 100, 0));
        Thread.sleep(2_500);
        assertEquals("baking", api.get("rollouts/" + bad).json().get("state").asText(), "fewer than min_requests: no verdict");
        node("n1", "{\"canary\": \"true\"}", figures(bad, "canary", 40, 4));
        eventually(Duration.ofSeconds(15), () -> assertEquals("rolled_back", api.get("rollouts/" + bad).json().get("state").asText()));
        JsonNode r = api.get("rollouts/" + bad).json();
        assertTrue(r.get("reason").asText().startsWith("canary 5xx rate 10.00% (4 of 40) exceeds the baseline's 0.00%"),
                r.toString());
        assertEquals(40, r.get("verdict").get("canary").get("requests").asLong());
        assertEquals(100, r.get("verdict").get("baseline").get("requests").asLong());
        assertFalse(servedV2());
        JsonNode rolledBack = api.get("audit?limit=1").json().get("items").get(0);
        assertEquals("rollout_rolled_back", rolledBack.get("event").asText(), rolledBack.toString());
        assertEquals("rollout", rolledBack.get("who").asText());
        assertEquals("controller", rolledBack.get("from").asText());
        assertEquals(r.get("reason").asText(), rolledBack.get("reason").asText());
        assertTrue(rolledBack.get("summary").asText().startsWith("rollout " + bad + " rolled back: canary 5xx rate 10.00%"),
                rolledBack.toString());
        assertEquals(4, rolledBack.get("verdict").get("canary").get("errors_5xx").asLong(), "the numbers it was judged on");

        String good = start("{\"bake\": \"2s\", \"min_requests\": 20}");
        node("n1", "{\"canary\": \"true\"}", figures(good, "canary", 40, 0));
        node("n2", "{}", figures(good, "baseline", 100, 1));
        eventually(Duration.ofSeconds(15), () -> assertEquals("promoted", api.get("rollouts/" + good).json().get("state").asText()));
        assertTrue(servedV2());
        JsonNode promotedEntries = api.get("audit?limit=1").json().get("items");
        assertEquals("rollout_promoted", promotedEntries.get(0).get("event").asText(), promotedEntries.toString());
        assertTrue(promotedEntries.get(0).get("reason").asText().startsWith("bake of 2 s passed"), promotedEntries.toString());
        assertEquals("rollout", promotedEntries.get(1).get("who").asText());
        assertNull(api.get("rollouts/" + good).json().get("figures"), "figures are live only while active");
    }
}
