package stargate.node.config;

import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.diff.ConfigDiff;

class SnapshotCompilerTest {
    private static GatewayConfig config(String routeBPath, int upstreamVPort) {
        return ConfigCodec.readConfig("""
                routes:
                  - {id: a, paths: ["/a"], upstream: u}
                  - {id: b, paths: ["%s"], upstream: u}
                  - {id: c, paths: ["/c"], upstream: v}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:9000"}]}
                  - {id: v, targets: [{url: "http://127.0.0.1:%d"}]}
                """.formatted(routeBPath, upstreamVPort), ConfigCodec.Format.YAML).orElseThrow();
    }

    private static CompiledRoute route(Snapshot snapshot, String path) {
        return snapshot.routes().match("GET", "any", path, stargate.model.routing.RequestHeaders.NONE).item();
    }

    @Test
    void unchangedRoutesAndUpstreamsKeepTheirCompiledObjectsAcrossSnapshots() {
        try (SnapshotCompiler compiler = new SnapshotCompiler(new stargate.node.observe.Metrics(Metrics.globalRegistry()),
                new ChainCompiler(PluginRegistry.load(null), PluginContext.system(Metrics.globalRegistry())))) {
            Snapshot first = compiler.compile(config("/b", 9001), 1, "test");
            Snapshot second = compiler.compile(config("/b2", 9002), 2, "test");

            assertSame(first.upstreams().get("u"), second.upstreams().get("u"), "unchanged upstream");
            assertNotSame(first.upstreams().get("v"), second.upstreams().get("v"), "changed upstream");
            assertSame(route(first, "/a"), route(second, "/a"), "unchanged route on an unchanged upstream");
            assertNotSame(route(first, "/b"), route(second, "/b2"), "changed route");
            assertNotSame(route(first, "/c"), route(second, "/c"), "unchanged route whose upstream changed");
            assertSame(second.upstreams().get("v"), route(second, "/c").upstream());
        }
    }

    private static SnapshotCompiler compiler() {
        return new SnapshotCompiler(new stargate.node.observe.Metrics(Metrics.globalRegistry()),
                new ChainCompiler(PluginRegistry.load(null), PluginContext.system(Metrics.globalRegistry())));
    }

    @Test
    void aCompileOfChangesSharesEverythingUnchangedAndMatchesAsAWholeCompileDoes() {
        try (SnapshotCompiler incremental = compiler(); SnapshotCompiler whole = compiler()) {
            GatewayConfig before = config("/b", 9001);
            GatewayConfig after = config("/b2", 9002);
            Snapshot first = incremental.compile(before, 1, "test");
            Snapshot second = incremental.compile(first, after, ConfigDiff.diff(before, after), 2, "test");
            Snapshot reference = whole.compile(after, 2, "test");

            assertSame(first.upstreams().get("u"), second.upstreams().get("u"), "unchanged upstream: pools, circuit");
            assertSame(first.upstreams().get("u").circuit(), second.upstreams().get("u").circuit());
            assertNotSame(first.upstreams().get("v"), second.upstreams().get("v"), "changed upstream");
            assertSame(route(first, "/a"), route(second, "/a"), "unchanged route on an unchanged upstream");
            assertSame(second.upstreams().get("v"), route(second, "/c").upstream(), "route of the changed upstream");
            assertSame(route(first, "/c").metrics(), route(second, "/c").metrics(), "its meters stay");
            assertNull(second.routes().match("GET", "any", "/b", stargate.model.routing.RequestHeaders.NONE));
            for (String path : new String[] {"/a", "/b", "/b2", "/c", "/x"}) {
                var got = second.routes().match("GET", "any", path, stargate.model.routing.RequestHeaders.NONE);
                var want = reference.routes().match("GET", "any", path, stargate.model.routing.RequestHeaders.NONE);
                assertEquals(want == null ? null : want.item().id(), got == null ? null : got.item().id(), path);
            }
            assertEquals(3, second.routes().size());
            // the previous snapshot is untouched: requests still running on it go on
            assertSame(route(first, "/b"), first.routes().match("GET", "any", "/b",
                    stargate.model.routing.RequestHeaders.NONE).item());
        }
    }

    @Test
    void aChangeOfConsumersAloneKeepsEveryRouteAndItsChain() {
        GatewayConfig before = ConfigCodec.readConfig("""
                routes:
                  - {id: a, paths: ["/a"], upstream: u, plugins: {key-auth: {}}}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:9000"}]}
                consumers:
                  - {id: alice, key_auth: {key: alice-key-123}}
                """, ConfigCodec.Format.YAML).orElseThrow();
        GatewayConfig after = ConfigCodec.readConfig("""
                routes:
                  - {id: a, paths: ["/a"], upstream: u, plugins: {key-auth: {}}}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:9000"}]}
                consumers:
                  - {id: bob, key_auth: {key: bob-key-123}}
                """, ConfigCodec.Format.YAML).orElseThrow();
        try (SnapshotCompiler compiler = compiler()) {
            Snapshot first = compiler.compile(before, 1, "test");
            compiler.published(first);
            Snapshot second = compiler.compile(first, after, ConfigDiff.diff(before, after), 2, "test");

            assertSame(route(first, "/a"), route(second, "/a"), "the route and its plugin chain are not compiled again");
            assertSame(first.routes(), second.routes(), "nor is the route index");
            assertNotSame(first.consumers(), second.consumers(), "the snapshot has the new consumers");
            var requestBefore = exchange(second);
            assertEquals("alice", requestBefore.credentials().byApiKey("alice-key-123").id(),
                    "until the new snapshot is published, the chain serves the one being served");
            compiler.published(second);
            var requestAfter = exchange(second);
            assertEquals("bob", requestAfter.credentials().byApiKey("bob-key-123").id(), "an added consumer's key works");
            assertNull(requestAfter.credentials().byApiKey("alice-key-123"), "a removed consumer's key does not");
            assertEquals("alice", requestBefore.credentials().byApiKey("alice-key-123").id(),
                    "a request keeps the consumers it started with");
        }
    }

    private static stargate.node.plugin.Exchange exchange(Snapshot snapshot) {
        CompiledRoute route = route(snapshot, "/a");
        return route.plugins().exchange(stargate.node.plugin.TestRequest.get("/a"), route.route(), java.util.Map.of(), "id-1");
    }
}
