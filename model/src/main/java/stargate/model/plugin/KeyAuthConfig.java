package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * {@code key-auth}: the API key of a request, matched against consumers' {@code key_auth.key}.
 *
 * @param header          request header that carries the key; default {@code apikey}
 * @param query           query parameter that carries the key when the header is absent; default none (null)
 * @param hideCredentials remove the key (header and parameter) before proxying; default true
 */
public record KeyAuthConfig(String header, String query, Boolean hideCredentials) implements PluginConfig {
    public static final String NAME = "key-auth";
    /** RFC 3986 unreserved characters: a parameter name that needs no percent-encoding. */
    private static final Pattern QUERY_NAME = Pattern.compile("[A-Za-z0-9._~-]+");

    public KeyAuthConfig {
        header = header == null ? "apikey" : header;
        hideCredentials = hideCredentials == null ? Boolean.TRUE : hideCredentials;
    }

    public static KeyAuthConfig from(JsonNode config) {
        return PluginConfigs.read(config, KeyAuthConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        HttpSyntax.headerName(problems, "header", header);
        if (query != null && !QUERY_NAME.matcher(query).matches()) {
            problems.add("query", "expected a query parameter name like api_key (letters, digits, . _ ~ -), got \"" + query + "\"");
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<KeyAuthConfig> {
        public Schema() {
            super(NAME, KeyAuthConfig.class);
        }
    }
}
