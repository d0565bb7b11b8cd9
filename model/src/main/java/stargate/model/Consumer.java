package stargate.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * An API consumer: who a caller is once authenticated, and the plugins that apply to them.
 *
 * @param id        unique among consumers
 * @param keyAuth   null = no API key
 * @param basicAuth null = no basic-auth credentials
 * @param jwt       claims that map a JWT to this consumer; null = none
 * @param plugins   per-consumer plugin configs (e.g. a higher rate limit)
 */
public record Consumer(String id, KeyAuth keyAuth, BasicAuth basicAuth, Jwt jwt, Map<String, JsonNode> plugins) {

    public Consumer {
        plugins = Lists.copy(plugins);
    }

    /** @param key the API key (plain in a file; hashed by the controller before it reaches etcd) */
    public record KeyAuth(String key) {
    }

    /** @param password plain in a file; hashed before it reaches etcd */
    public record BasicAuth(String username, String password) {
    }

    /** @param issuer the token's {@code iss}; @param audience its {@code aud}; @param subject optional {@code sub} */
    public record Jwt(String issuer, String audience, String subject) {
    }
}
