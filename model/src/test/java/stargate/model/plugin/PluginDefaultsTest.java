package stargate.model.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.model.codec.ByteSize;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.PluginCatalog;
import stargate.model.validate.PluginSchema;

/** A missing key takes the default SPEC §6 shows; the typed records are what the node's plugins read. */
class PluginDefaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    @Test
    void emptyConfigsTakeEveryDefault() {
        assertEquals(new KeyAuthConfig("apikey", null, true), KeyAuthConfig.from(json("{}")));
        assertEquals(new BasicAuthConfig(), BasicAuthConfig.from(json("{}")));
        assertEquals(new CorsConfig(List.of(), List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), List.of(), List.of(),
                false, Duration.ofMinutes(10)), CorsConfig.from(json("{}")));
        assertEquals(new RequestSizeLimitConfig(new ByteSize(1 << 20)), RequestSizeLimitConfig.from(json("{}")));
        assertEquals(new RequestTransformerConfig(new HeaderEdits(Map.of(), Map.of(), List.of()), null),
                RequestTransformerConfig.from(json("{}")));
        assertEquals(new ResponseTransformerConfig(new HeaderEdits(Map.of(), Map.of(), List.of())), ResponseTransformerConfig.from(json("{}")));
        assertEquals(new RequestIdConfig("X-Request-Id"), RequestIdConfig.from(json("{}")));
        assertEquals(new ProxyCacheConfig(Duration.ofSeconds(60), 10_000, new ByteSize(1 << 20), new ByteSize(64 << 20)), ProxyCacheConfig.from(json("{}")));
    }

    @Test
    void minimalConfigsTakeTheDefaultsOfTheRest() {
        assertEquals(new JwtAuthConfig(List.of("RS256"), null, null, "https://idp.example.com/jwks", null, null,
                        Duration.ofSeconds(30), Map.of()),
                JwtAuthConfig.from(json("{\"jwks_uri\": \"https://idp.example.com/jwks\"}")));
        assertEquals(new OAuth2IntrospectionConfig("https://idp.example.com/i", "gw", "s", Duration.ofSeconds(30)),
                OAuth2IntrospectionConfig.from(json("{\"endpoint\": \"https://idp.example.com/i\", \"client_id\": \"gw\", \"client_secret\": \"s\"}")));
        assertEquals(new IpRestrictionConfig(List.of("10.0.0.0/8"), List.of()), IpRestrictionConfig.from(json("{\"allow\": [\"10.0.0.0/8\"]}")));
        assertEquals(new RateLimitConfig(5, Duration.ofSeconds(1), 0, "route", "local", true), RateLimitConfig.from(json("{\"rate\": 5}")));
        assertEquals(new TrafficSplitConfig("canary", 10, null), TrafficSplitConfig.from(json("{\"upstream\": \"canary\", \"weight\": 10}")));
    }

    @Test
    void readsEveryKeyAsWritten() {
        RateLimitConfig limit = PluginConfigs.read(json("{\"rate\": 100, \"per\": \"1m\", \"burst\": 50, \"key\": \"header:x-user\"}"),
                RateLimitConfig.class);
        assertEquals(new RateLimitConfig(100, Duration.ofMinutes(1), 50, "header:x-user", "local", true), limit);
        assertEquals("x-user", limit.keyHeader());
        assertNull(RateLimitConfig.from(json("{\"rate\": 1, \"key\": \"ip\"}")).keyHeader());
        RateLimitConfig cluster = RateLimitConfig.from(json("{\"rate\": 1, \"policy\": \"cluster\", \"fault_tolerant\": false}"));
        assertTrue(cluster.cluster());
        assertFalse(cluster.faultTolerant());

        RequestTransformerConfig transform = RequestTransformerConfig.from(json(
                "{\"headers\": {\"add\": {\"X-B\": \"2\", \"X-A\": \"1\"}, \"remove\": [\"Cookie\"]}, \"path\": \"/v2/{id}\"}"));
        assertEquals(List.of("X-B", "X-A"), List.copyOf(transform.headers().add().keySet()), "the written order is kept");
        assertEquals(List.of("Cookie"), transform.headers().remove());
        assertEquals("/v2/{id}", transform.path());

        TrafficSplitConfig split = TrafficSplitConfig.from(json("{\"upstream\": \"c\", \"match\": {\"headers\": {\"x-canary\": \"true\"}}}"));
        assertEquals(Map.of("x-canary", "true"), split.match().headers());
        assertTrue(CorsConfig.from(json("{\"allow_origins\": [\"*\"]}")).anyOrigin());
    }

    @Test
    void sizesAreBytesOrTextWithAUnit() {
        assertEquals(512, RequestSizeLimitConfig.from(json("{\"max_body_size\": 512}")).maxBodySize().bytes());
        assertEquals(512, RequestSizeLimitConfig.from(json("{\"max_body_size\": \"512\"}")).maxBodySize().bytes());
        assertEquals(64 * 1024, RequestSizeLimitConfig.from(json("{\"max_body_size\": \"64KiB\"}")).maxBodySize().bytes());
        assertEquals(0, RequestSizeLimitConfig.from(json("{\"max_body_size\": 0}")).maxBodySize().bytes());
        assertEquals("10MiB", ProxyCacheConfig.from(json("{\"max_body_size\": \"10MiB\"}")).maxBodySize().toString());
        assertEquals(256L << 20, ProxyCacheConfig.from(json("{\"max_memory\": \"256MiB\"}")).maxMemory().bytes());
    }

    @Test
    void typedConfigsWriteBackAsTheJsonTheyWereReadFrom() {
        JsonNode written = json("{\"ttl\": \"5m\", \"max_body_size\": \"256KiB\"}");
        ProxyCacheConfig cache = ProxyCacheConfig.from(written);
        assertEquals(written, ConfigCodec.toTree(cache), "defaults left out, sizes and durations in their shortest form");
        JwtAuthConfig jwt = JwtAuthConfig.from(json("{\"algorithms\": [\"ES256\"], \"jwks_uri\": \"https://idp.example.com/jwks\","
                + " \"claims_to_headers\": {\"sub\": \"X-User\"}}"));
        assertEquals(jwt, JwtAuthConfig.from(ConfigCodec.toTree(jwt)));
    }

    @Test
    void readingAnInvalidConfigListsEveryErrorRelativeToIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RateLimitConfig.from(json("{\"rate\": 0, \"key\": \"x\"}")));
        assertEquals("invalid config:\nrate: must be at least 1, got 0\nkey: expected route, ip, consumer or header:NAME, got \"x\"",
                e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> BasicAuthConfig.from(json("{\"x\": 1}")));
        assertEquals("invalid config:\nunknown key \"x\"", unknown.getMessage());
    }

    @Test
    void everyBuiltInSchemaReadsItsOwnRecordUnderItsName() throws ReflectiveOperationException {
        PluginCatalog catalog = PluginCatalog.load();
        assertEquals(13, catalog.names().size());
        for (String name : catalog.names()) {
            PluginSchema schema = catalog.find(name).orElseThrow();
            Class<?> type = ((RecordPluginSchema<?>) schema).configType();
            assertEquals(name, type.getField("NAME").get(null), type.getName());
            assertEquals(type, schema.getClass().getEnclosingClass(), "the schema is nested in its record");
            assertTrue(type.isRecord() && PluginConfig.class.isAssignableFrom(type), type.getName());
        }
    }
}
