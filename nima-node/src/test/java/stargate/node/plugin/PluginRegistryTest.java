package stargate.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/** What the node accepts in a config, given the plugins it can run. */
class PluginRegistryTest {
    @TempDir
    Path dir;

    private List<ConfigError> validate(PluginRegistry registry, String yaml) {
        GatewayConfig config = ConfigCodec.readConfig(yaml, ConfigCodec.Format.YAML).orElseThrow();
        return ConfigValidator.create(registry.catalog(PluginContext.system(Metrics.globalRegistry()))).validate(config);
    }

    private static final String UPSTREAM = "upstreams: [{id: svc, targets: [{url: \"http://127.0.0.1:9\"}]}]\n";

    @Test
    void aClusterRateLimitIsRefusedOnANodeWithoutRedis() {
        String yaml = UPSTREAM + """
                routes:
                  - {id: r, paths: [/a], upstream: svc, plugins: {rate-limit: {rate: 5, policy: cluster}}}
                  - {id: l, paths: [/b], upstream: svc, plugins: {rate-limit: {rate: 5, policy: local}}}
                """;
        assertEquals(List.of("routes[0].plugins.rate-limit.policy: cluster counts in Redis, but this node "
                + "was started without --redis URL (use policy: local, or give the node --redis)"),
                validate(PluginRegistry.load(null), yaml).stream().map(ConfigError::toString).toList());
    }

    @Test
    void theBuiltInPluginsAreFoundOnTheClassPath() {
        PluginRegistry registry = PluginRegistry.load(dir.resolve("absent"));
        assertTrue(registry.names().containsAll(List.of("key-auth", "basic-auth", "rate-limit", "request-id", "cors",
                "ip-restriction", "request-size-limit", "request-transformer", "response-transformer",
                "traffic-split")), registry.names().toString());
    }

    @Test
    void aPluginTheModelKnowsButNoFactoryRunsIsRefusedNotIgnored() {
        List<ConfigError> errors = validate(PluginRegistry.of(), UPSTREAM
                + "routes: [{id: r1, paths: [/a], upstream: svc, plugins: {key-auth: {}}}]");
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("routes[0].plugins.key-auth", errors.get(0).path());
        assertTrue(errors.get(0).message().contains("not available on this node"), errors.get(0).message());
    }

    @Test
    void anUnknownPluginIsRefused() {
        List<ConfigError> errors = validate(PluginRegistry.load(null), UPSTREAM
                + "routes: [{id: r1, paths: [/a], upstream: svc, plugins: {key-auht: {}}}]");
        assertEquals(List.of(new ConfigError("routes[0].plugins.key-auht", "unknown plugin \"key-auht\"")), errors);
    }

    @Test
    void aPluginThatRunsBeforeAuthenticationCannotBeSetPerConsumer() {
        List<ConfigError> errors = validate(PluginRegistry.load(null), UPSTREAM
                + "consumers: [{id: alice, plugins: {ip-restriction: {allow: [10.0.0.0/8]}, rate-limit: {rate: 5}}}]");
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("consumers[0].plugins.ip-restriction", errors.get(0).path());
        assertTrue(errors.get(0).message().contains("before the consumer is known"));
    }

    @Test
    void pluginConfigErrorsAreReportedAtTheirKey() {
        List<ConfigError> errors = validate(PluginRegistry.load(null), UPSTREAM
                + "routes: [{id: r1, paths: [/a], upstream: svc, plugins: {rate-limit: {rate: 0}}}]");
        assertEquals("routes[0].plugins.rate-limit.rate", errors.get(0).path());
    }
}
