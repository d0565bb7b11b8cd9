package stargate.model.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.Change;

class RolloutTest {
    private static GatewayConfig config(String yaml) {
        return ConfigCodec.readConfig(new StringReader(yaml), ConfigCodec.Format.YAML).orElseThrow();
    }

    private static final GatewayConfig BASE = config("""
            routes:
              - {id: a, paths: [/a], upstream: u}
              - {id: b, paths: [/b], upstream: u}
            upstreams:
              - {id: u, targets: [{url: "http://127.0.0.1:1"}]}
            """);

    private static Rollout rollout(List<Change> changes) {
        return new Rollout("r-000001", Rollout.State.BAKING, RolloutPolicy.DEFAULTS, 7, List.of("n1"), changes,
                Instant.parse("2026-01-01T00:00:00Z"), "alice", null, null, null, null);
    }

    @Test
    void storedFormReadsBack() {
        Route changed = config("routes: [{id: a, paths: [/a2], upstream: u}]\nupstreams: [{id: u, targets: [{url: \"http://x:1\"}]}]")
                .routes().get(0);
        Rollout r = rollout(List.of(new Change(Kind.ROUTE, "a", Change.Op.CHANGED, null, changed),
                new Change(Kind.ROUTE, "b", Change.Op.REMOVED, null, null)));
        Rollout back = Rollout.read(r.toTree().toString());
        assertEquals(r.changes(), back.changes());
        assertEquals(r.header(), back.header());
    }

    @Test
    void overlayFitsABaseThatMovedOn() {
        Route added = config("routes: [{id: c, paths: [/c], upstream: u}]\nupstreams: [{id: u, targets: [{url: \"http://x:1\"}]}]")
                .routes().get(0);
        // recorded as an add and a removal; on a base where "b" is already gone the removal is a no-op,
        // and where "c" already exists the add replaces it
        Rollout r = rollout(List.of(new Change(Kind.ROUTE, "c", Change.Op.ADDED, null, added),
                new Change(Kind.ROUTE, "b", Change.Op.REMOVED, null, null)));
        GatewayConfig moved = config("""
                routes:
                  - {id: a, paths: [/a], upstream: u}
                  - {id: c, paths: [/old], upstream: u}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:1"}]}
                """);
        GatewayConfig out = r.overlay(moved);
        assertEquals(List.of("a", "c"), out.routes().stream().map(Route::id).sorted().toList());
        assertEquals(added, out.route("c").orElseThrow());
        assertEquals(List.of("a", "c"), r.overlay(BASE).routes().stream().map(Route::id).sorted().toList());
    }

    @Test
    void aRecordThatDoesNotReadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Rollout.read("{\"id\": \"r\", \"state\": \"cooking\"}"));
        assertThrows(IllegalArgumentException.class, () -> Rollout.read("not json"));
    }
}
