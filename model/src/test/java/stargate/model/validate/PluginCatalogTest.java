package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import stargate.model.codec.ConfigCodec;
import stargate.model.plugin.RateLimitConfig;

class PluginCatalogTest {
    @Test
    void findsTheBuiltInSchemasWithServiceLoader() {
        PluginCatalog catalog = PluginCatalog.load();
        assertEquals(Set.of("basic-auth", "cors", "ip-restriction", "jwt-auth", "key-auth", "oauth2-introspection",
                "proxy-cache", "rate-limit", "request-id", "request-size-limit", "request-transformer",
                "response-transformer", "traffic-split"), catalog.names());
        assertTrue(catalog.find("rate-limit").orElseThrow() instanceof RateLimitConfig.Schema);
    }

    @Test
    void theDefaultValidatorUsesTheSchemasOnTheClassPath() {
        String yaml = "global_plugins: {rate-limit: {rate: 0}}";
        assertEquals(List.of(new ConfigError("global_plugins.rate-limit.rate", "must be at least 1, got 0")),
                ConfigValidator.create().check(yaml, ConfigCodec.Format.YAML).errors());
    }

    @Test
    void withoutSchemasEveryPluginIsUnknown() {
        String yaml = "global_plugins: {rate-limit: {rate: 5}}";
        assertEquals(List.of(new ConfigError("global_plugins.rate-limit", "unknown plugin \"rate-limit\"")),
                ConfigValidator.create(PluginCatalog.of()).check(yaml, ConfigCodec.Format.YAML).errors());
    }

    @Test
    void refusesTwoSchemasForOneName() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PluginCatalog.of(new RateLimitConfig.Schema(), new RateLimitConfig.Schema()));
        assertTrue(e.getMessage().startsWith("two schemas for plugin \"rate-limit\""), e.getMessage());
    }
}
