package stargate.node.config;

import stargate.node.plugin.ChainCompiler;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.PluginRegistry;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;

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
}
