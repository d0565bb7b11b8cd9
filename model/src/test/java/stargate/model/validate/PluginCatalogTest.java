package stargate.model.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import stargate.model.codec.ConfigCodec;

class PluginCatalogTest {
    @Test
    void findsSchemasWithServiceLoader() {
        PluginCatalog catalog = PluginCatalog.load();
        assertEquals(Set.of("rate-limit"), catalog.names());
        assertTrue(catalog.find("rate-limit").orElseThrow() instanceof TestRateLimitSchema);
    }

    @Test
    void theDefaultValidatorUsesTheSchemasOnTheClassPath() {
        String yaml = "global_plugins: {rate-limit: {rate: 0}}";
        assertEquals(List.of(new ConfigError("global_plugins.rate-limit.rate", "expected an integer of at least 1, got 0")),
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
                () -> PluginCatalog.of(new TestRateLimitSchema(), new TestRateLimitSchema()));
        assertTrue(e.getMessage().startsWith("two schemas for plugin \"rate-limit\""), e.getMessage());
    }
}
