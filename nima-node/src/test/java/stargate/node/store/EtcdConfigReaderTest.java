package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.model.GatewayConfig;
import stargate.model.Route;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.ValidatedConfig;
import stargate.node.observe.SourceStatus;

/**
 * Object-by-object resolution of etcd keys into the served config, with no etcd. Candidates are
 * validated whole here; {@link EtcdConfigReaderIncrementalTest} runs every test again with each
 * resolve after the first checking its changes against the served config ({@code ValidatedConfig}),
 * as a node does.
 */
class EtcdConfigReaderTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();

    private final EtcdConfigReader reader = new EtcdConfigReader("/sg", VALIDATOR);
    private long revision;
    /** The served config as the node's applier keeps it. */
    private ValidatedConfig served;

    boolean incremental() {
        return false;
    }

    /** What a resolve applied: the config now served (null when nothing was applied), and what was refused. */
    record Outcome(GatewayConfig config, List<SourceStatus.Rejected> rejected) {
    }

    /** A resolve, and its result applied as the node's applier does. */
    private Outcome resolve() {
        EtcdConfigReader.Resolution resolution = reader.resolve(incremental() ? served : null, 1_000);
        GatewayConfig applied = null;
        if (resolution.checked() != null) {
            applied = served.commit(resolution.checked());
        } else if (resolution.config() != null) {
            applied = resolution.config();
            served = VALIDATOR.trusted(applied);
        }
        if (incremental() && served != null && applied != null) {
            assertEquals(List.of(), VALIDATOR.validate(applied), "an incremental check accepts only valid configs");
        }
        return new Outcome(applied, resolution.rejected());
    }

    static String value(String spec) {
        return "{\"meta\": {\"updated_by\": \"test\"}, \"spec\": " + spec + "}";
    }

    static String upstream(String id, int port) {
        return value("{\"id\": \"" + id + "\", \"targets\": [{\"url\": \"http://127.0.0.1:" + port + "\"}]}");
    }

    static String route(String id, String path, String upstream) {
        return value("{\"id\": \"" + id + "\", \"paths\": [\"" + path + "\"], \"upstream\": \"" + upstream + "\"}");
    }

    private void put(String key, String value) {
        assertTrue(reader.put(key, value, ++revision), key + " is a config key");
    }

    private static List<String> ids(GatewayConfig config) {
        return config.routes().stream().map(Route::id).toList();
    }

    @Test
    void validObjectsAreServedAndKeysTheNodeDoesNotOwnAreIgnored() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("a", "/a", "u"));
        assertFalse(reader.put("/sg/last_change", "{\"at\": \"now\"}", ++revision));
        assertFalse(reader.put("/sg/nodes/n1", "{\"address\": \"x\"}", ++revision));
        assertFalse(reader.put("/sg/gitops/status", "{}", ++revision));
        assertFalse(reader.put("/sgx/routes/b", route("b", "/b", "u"), ++revision));

        Outcome resolution = resolve();

        assertEquals(List.of("a"), ids(resolution.config()));
        assertEquals(1, resolution.config().upstreams().size());
        assertEquals(List.of(), resolution.rejected());
    }

    @Test
    void aRouteToAMissingUpstreamIsRejectedAloneAndServedOnceItsUpstreamArrives() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("a", "/a", "u"));
        put("/sg/routes/b", route("b", "/b", "later"));

        Outcome first = resolve();

        assertEquals(List.of("a"), ids(first.config()));
        SourceStatus.Rejected rejected = first.rejected().getFirst();
        assertEquals(List.of("routes", "b", 3L), List.of(rejected.kind(), rejected.id(), rejected.revision()));
        assertEquals(List.of("upstream: unknown upstream \"later\""), rejected.errors());

        put("/sg/upstreams/later", upstream("later", 9001));
        Outcome second = resolve();

        assertEquals(List.of("a", "b"), ids(second.config()));
        assertEquals(List.of(), second.rejected());
    }

    @Test
    void anUnreadableNewVersionKeepsTheLastGoodVersion() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("a", "/v1", "u"));
        resolve();

        put("/sg/routes/a", value("{\"id\": \"a\", \"paths\": [\"/v2\"], \"upstream\": \"u\", \"colour\": \"red\"}"));
        Outcome bad = resolve();

        assertNull(bad.config(), "nothing to apply");
        assertEquals(List.of("/v1"), reader.served().routes().getFirst().paths());
        assertEquals("a", bad.rejected().getFirst().id());
        assertTrue(bad.rejected().getFirst().errors().toString().contains("colour"), bad.rejected().toString());

        put("/sg/routes/a", "not json");
        assertTrue(resolve().rejected().getFirst().errors().getFirst().startsWith("not JSON"));

        put("/sg/routes/a", route("a", "/v3", "u"));
        Outcome fixed = resolve();
        assertEquals(List.of("/v3"), fixed.config().routes().getFirst().paths());
        assertEquals(List.of(), fixed.rejected());
    }

    @Test
    void removingAnUpstreamThatARouteStillUsesIsRejectedUntilTheRouteGoes() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("a", "/a", "u"));
        resolve();

        assertTrue(reader.delete("/sg/upstreams/u", ++revision));
        Outcome refused = resolve();

        assertNull(refused.config());
        assertEquals(List.of("upstreams", "u"), List.of(refused.rejected().getFirst().kind(), refused.rejected().getFirst().id()));
        assertTrue(refused.rejected().getFirst().errors().getFirst().contains("unknown upstream \"u\""),
                refused.rejected().toString());

        assertTrue(reader.delete("/sg/routes/a", ++revision));
        Outcome both = resolve();

        assertEquals(GatewayConfig.EMPTY, both.config(), "the route and then its upstream are gone");
        assertEquals(List.of(), both.rejected());
    }

    @Test
    void aNewRouteThatShadowsAnOldOneIsRejectedAndTheOldOneStays() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/old", route("old", "/items/{id}", "u"));
        resolve();

        put("/sg/routes/new", route("new", "/items/{key}", "u"));
        Outcome resolution = resolve();

        assertNull(resolution.config());
        assertEquals("new", resolution.rejected().getFirst().id());
        assertEquals(List.of("old"), ids(reader.served()));
    }

    @Test
    void anIdThatDoesNotMatchItsKeyIsRejected() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("b", "/a", "u"));

        Outcome resolution = resolve();

        assertEquals(List.of(), ids(resolution.config()));
        assertEquals(List.of("id: \"b\" does not match the key's id \"a\""), resolution.rejected().getFirst().errors());
    }

    @Test
    void aFreshReadThatChangesNothingAppliesNothingAndOneThatDoesAppliesTheDifference() {
        put("/sg/upstreams/u", upstream("u", 9000));
        put("/sg/routes/a", route("a", "/a", "u"));
        put("/sg/routes/b", route("b", "/b", "u"));
        assertNotNull(resolve().config());

        reader.replaceAll(Map.of(
                "/sg/upstreams/u", new EtcdConfigReader.KeyVersion(upstream("u", 9000), 1),
                "/sg/routes/a", new EtcdConfigReader.KeyVersion(route("a", "/a", "u"), 2),
                "/sg/routes/b", new EtcdConfigReader.KeyVersion(route("b", "/b", "u"), 3),
                "/sg/last_change", new EtcdConfigReader.KeyVersion("{}", 3)), 10);
        assertNull(resolve().config(), "same keys, same revisions: no apply");

        reader.replaceAll(Map.of(
                "/sg/upstreams/u", new EtcdConfigReader.KeyVersion(upstream("u", 9000), 1),
                "/sg/routes/a", new EtcdConfigReader.KeyVersion(route("a", "/a2", "u"), 11)), 12);
        GatewayConfig after = resolve().config();

        assertEquals(List.of("a"), ids(after), "b was deleted while the node was not watching");
        assertEquals(List.of("/a2"), after.routes().getFirst().paths());
    }

    @Test
    void aTransactionThatAddsAnUpstreamAndItsRouteIsAppliedEvenBesideABadObject() {
        reader.put("/sg/upstreams/u", upstream("u", 9000), 5);
        reader.put("/sg/routes/a", route("a", "/a", "u"), 5);
        reader.put("/sg/routes/bad", route("bad", "no-slash", "u"), 5);

        Outcome resolution = resolve();

        assertEquals(List.of("a"), ids(resolution.config()));
        assertEquals(List.of("bad"), resolution.rejected().stream().map(SourceStatus.Rejected::id).toList());
    }

    @Test
    void consumersWithHashedSecretsAsTheControllerStoresThemAreValid() {
        String hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        put("/sg/consumers/alice", value("{\"id\": \"alice\", \"key_auth\": {\"key\": \"sha256:" + hex + "\"},"
                + " \"basic_auth\": {\"username\": \"alice\", \"password\":"
                + " \"pbkdf2-sha256:100000:c2FsdHNhbHRzYWx0c2FsdA==:aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=\"}}"));

        Outcome resolution = resolve();

        assertEquals(List.of(), resolution.rejected());
        assertEquals("sha256:" + hex, resolution.config().consumers().getFirst().keyAuth().key());
    }

    @Test
    void globalPluginsAreOneObjectAndAnEmptyMapMeansNone() {
        put("/sg/global_plugins", value("{\"request-id\": {\"header\": \"X-Trace\"}}"));
        assertEquals(1, resolve().config().globalPlugins().size());

        put("/sg/global_plugins", value("{}"));
        assertEquals(Map.of(), resolve().config().globalPlugins());
    }
}
