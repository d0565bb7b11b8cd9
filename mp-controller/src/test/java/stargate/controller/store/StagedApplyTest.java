package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;

/**
 * Whole-config writes beyond one etcd transaction (issue 12): a 10,000-object PUT /config and its
 * rollback through a staging; an apply abandoned half way is rolled forward by the next write;
 * an abandoned staging blocks nothing.
 */
class StagedApplyTest {
    private static final String P = TestController.PREFIX;
    private final Api api = Api.admin();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    /** {@code pairs} routes {@code r-i} on {@code /r/i}, each to its upstream {@code u-i} on port {@code port}. */
    static String config(int pairs, int port) {
        StringBuilder routes = new StringBuilder();
        StringBuilder upstreams = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            routes.append(i == 0 ? "" : ",").append("{\"id\":\"r-").append(i).append("\",\"paths\":[\"/r/").append(i)
                    .append("\"],\"upstream\":\"u-").append(i).append("\"}");
            upstreams.append(i == 0 ? "" : ",").append("{\"id\":\"u-").append(i)
                    .append("\",\"targets\":[{\"url\":\"http://127.0.0.1:").append(port).append("\"}]}");
        }
        return "{\"routes\":[" + routes + "],\"upstreams\":[" + upstreams + "]}";
    }

    @Test
    void aTenThousandObjectPutAndItsRollbackGoThroughAStaging() throws Exception {
        TestController etcd = TestController.get();
        long t0 = System.nanoTime();
        Api.Reply put = api.put("config", config(5000, 8081));
        long putMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, put.status(), put.toString().substring(0, Math.min(500, put.toString().length())));
        assertEquals("+5000 routes, +5000 upstreams", put.json().get("summary").asText());
        long first = put.json().get("revision").asLong();
        assertEquals(5000, etcd.etcdCount(P + "/routes/"));
        assertEquals(5000, etcd.etcdCount(P + "/upstreams/"));
        assertNull(etcd.etcdValue(P + "/applying"));
        assertEquals(0, etcd.etcdCount(P + "/staging/"));
        String export = api.get("config").body();
        assertEquals(String.valueOf(first), api.get("config").header("ETag").replace("\"", ""));

        // If-Match on the whole config still holds for a staged write
        Api.Reply stale = api.put("config", config(5000, 8082), "If-Match", "\"" + (first - 1) + "\"");
        assertEquals(412, stale.status());
        t0 = System.nanoTime();
        Api.Reply second = api.put("config", config(5000, 8082), "If-Match", "\"" + first + "\"");
        long changeMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, second.status(), second.toString().substring(0, Math.min(500, second.toString().length())));
        assertEquals("~5000 upstreams", second.json().get("summary").asText());

        // a single-object write afterwards sees the state the staged write left (its object revisions)
        JsonNode route = api.get("routes/r-7").json();
        assertEquals(200, api.put("routes/r-7", "{\"paths\": [\"/r/7\", \"/r7\"], \"upstream\": \"u-7\"}",
                "If-Match", "\"" + route.get("revision").asLong() + "\"").status());

        t0 = System.nanoTime();
        Api.Reply rollback = api.post("rollback", "{\"revision\": " + first + "}");
        long rollbackMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, rollback.status(), rollback.toString().substring(0, Math.min(500, rollback.toString().length())));
        assertEquals(export, api.get("config").body());

        JsonNode history = api.get("history").json().get("items");
        assertEquals("rollback", history.get(0).get("source").asText());
        assertEquals(4, history.size());
        JsonNode audit = api.get("audit").json().get("items");
        assertEquals(5001, audit.get(0).get("changes_total").asInt()); // 5,000 upstreams and r-7: too many to list in one key: counted
        System.out.printf("staged apply, 10,000 objects: PUT %d ms, change of 5,000 %d ms, rollback %d ms%n",
                putMs, changeMs, rollbackMs);
    }

    @Test
    void anApplyAbandonedHalfWayIsRolledForwardByTheNextWrite() throws Exception {
        assertEquals(200, api.put("upstreams/u", "{\"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}").status());
        TestController etcd = TestController.get();
        try (EtcdStore store = EtcdStore.connect(List.of(etcd.etcd().url()), P, Duration.ofSeconds(10))) {
            StagedApply staging = new StagedApply(store);
            Snapshot now = store.snapshot();
            List<StagedApply.Item> items = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Object route = ConfigCodec.readObject(Kind.ROUTE, "{\"id\":\"a-" + i + "\",\"paths\":[\"/a/" + i
                        + "\"],\"upstream\":\"u\"}").value();
                items.add(new StagedApply.Item(new Change(Kind.ROUTE, "a-" + i, Change.Op.ADDED, null, route),
                        Meta.written(null, Instant.now(), "crashing")));
            }
            // a staging never opened blocks nothing
            StagedApply.Staged unopened = staging.stage(now.writes() + 1, items);
            unopened.abandon();
            assertEquals(200, api.put("upstreams/v", "{\"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}").status());

            now = store.snapshot();
            StagedApply.Staged staged = staging.stage(now.writes() + 1, items);
            var header = stargate.controller.audit.AuditLog.header(now.writes() + 1,
                    stargate.controller.audit.Actor.api("crashing", "127.0.0.1"), Instant.now(), "+300 routes");
            var history = header.deepCopy().put("restorable", true).put("delta_chunks", staged.chunks());
            var lastChange = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("at", Instant.now().toString()).put("by", "crashing").put("summary", "+300 routes")
                    .put("writes", now.writes() + 1);
            long open = staging.open(staged, now.fenceRevision(), header, history, lastChange);
            assertTrue(open > 0);
            assertTrue(staging.copyOne(staged, 0, open));
            staged.abandon(); // the controller "dies" with 100 of 300 routes live
            assertEquals(100, etcd.etcdCount(P + "/routes/"));

            long t0 = System.nanoTime();
            Api.Reply write = api.put("upstreams/w", "{\"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}");
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, write.status(), write.toString());
            assertTrue(waitedMs >= 1000, "waited for the owner's lease to expire: " + waitedMs);
            assertEquals(300, etcd.etcdCount(P + "/routes/"));
            assertNull(etcd.etcdValue(P + "/applying"));
            JsonNode items2 = api.get("history").json().get("items");
            assertEquals("+1 upstream", items2.get(0).get("summary").asText());
            assertEquals("+300 routes", items2.get(1).get("summary").asText());
            // and the recovered write can be undone like any other
            Api.Reply rollback = api.post("rollback", "{\"revision\": " + items2.get(2).get("revision").asLong() + "}");
            assertEquals(200, rollback.status(), rollback.toString());
            assertEquals(0, etcd.etcdCount(P + "/routes/"));
        }
    }
}
