package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * {@code oauth2-introspection}: a bearer token is checked with the authorization server's
 * introspection endpoint (RFC 7662), and the answer cached.
 *
 * @param endpoint     introspection URL; required; https (plain http only to a loopback address)
 * @param clientId     the gateway's client id at the authorization server; required
 * @param clientSecret its client secret; required
 * @param cacheTtl     how long an answer is reused for the same token; default 30s; 0 = never cached; at most 1h
 */
public record OAuth2IntrospectionConfig(String endpoint, String clientId, String clientSecret, Duration cacheTtl)
        implements PluginConfig {
    public static final String NAME = "oauth2-introspection";
    static final Duration MAX_CACHE_TTL = Duration.ofHours(1);

    public OAuth2IntrospectionConfig {
        cacheTtl = cacheTtl == null ? Duration.ofSeconds(30) : cacheTtl;
    }

    public static OAuth2IntrospectionConfig from(JsonNode config) {
        return PluginConfigs.read(config, OAuth2IntrospectionConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        if (problems.required("endpoint", endpoint)) {
            HttpSyntax.serviceUrl(problems, "endpoint", endpoint);
        }
        problems.required("client_id", clientId);
        problems.required("client_secret", clientSecret);
        problems.atMost("cache_ttl", cacheTtl, MAX_CACHE_TTL);
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<OAuth2IntrospectionConfig> {
        public Schema() {
            super(NAME, OAuth2IntrospectionConfig.class);
        }

        @Override
        public java.util.Set<String> secretFields() {
            return java.util.Set.of("client_secret");
        }
    }
}
