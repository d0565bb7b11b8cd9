package stargate.node.plugin.keyauth;

import stargate.model.Consumer;
import stargate.model.plugin.KeyAuthConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * Takes the key from the configured header, else from the query parameter (when configured); 401
 * when there is none or it matches no consumer. The two cases get the same answer apart from the
 * message, and the key is never echoed. With {@code hide_credentials} the key (header and query
 * parameter) is removed before proxying, so upstreams never see it.
 */
final class KeyAuthPlugin implements Plugin {
    private final KeyAuthConfig config;

    KeyAuthPlugin(KeyAuthConfig config) {
        this.config = config;
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        String key = exchange.request().header(config.header());
        if (key == null && config.query() != null) {
            key = exchange.queryParam(config.query());
        }
        if (key == null || key.isEmpty()) {
            return unauthorized("no API key in header " + config.header()
                    + (config.query() == null ? "" : " or query parameter " + config.query()));
        }
        Consumer consumer = exchange.credentials().byApiKey(key);
        if (consumer == null) {
            return unauthorized("invalid API key");
        }
        exchange.authenticate(consumer);
        if (config.hideCredentials()) {
            exchange.removeRequestHeader(config.header());
            if (config.query() != null) {
                exchange.removeQueryParam(config.query());
            }
        }
        return Verdict.PASS;
    }

    private Verdict unauthorized(String message) {
        return Verdict.reject(401, "unauthorized", message).header("WWW-Authenticate", "Key realm=\"stargate\"");
    }
}
