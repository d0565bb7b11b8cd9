package stargate.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One whole gateway config: what a standalone YAML file holds, what etcd holds under the prefix.
 *
 * @param routes         routes, in file order (order never affects matching; see SPEC §4)
 * @param upstreams      upstream services
 * @param consumers      API consumers and their credentials
 * @param certificates   TLS certificates served by SNI name
 * @param globalPlugins  plugins that run on every route, by plugin name; values are the plugin's own config
 */
public record GatewayConfig(List<Route> routes,
                            List<Upstream> upstreams,
                            List<Consumer> consumers,
                            List<Certificate> certificates,
                            Map<String, JsonNode> globalPlugins) {

    public static final GatewayConfig EMPTY = new GatewayConfig(null, null, null, null, null);

    public GatewayConfig {
        routes = Lists.copy(routes);
        upstreams = Lists.copy(upstreams);
        consumers = Lists.copy(consumers);
        certificates = Lists.copy(certificates);
        globalPlugins = Lists.copy(globalPlugins);
    }

    public Optional<Upstream> upstream(String id) {
        return upstreams.stream().filter(u -> u.id().equals(id)).findFirst();
    }

    public Optional<Route> route(String id) {
        return routes.stream().filter(r -> r.id().equals(id)).findFirst();
    }
}
