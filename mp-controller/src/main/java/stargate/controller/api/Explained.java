package stargate.controller.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.Snapshot;
import stargate.controller.write.ConfigService;
import stargate.model.routing.Explanation;
import stargate.model.routing.RequestHeaders;
import stargate.model.routing.RouteIndex;
import stargate.model.validate.ConfigError;

/**
 * A request explained: which route of the config in etcd would serve it, and why the others near it would not
 * (REST's {@code POST /explain}, gRPC's {@code Explain}): the same route index the nodes serve with.
 *
 * @param revision the etcd revision of the config explained
 */
public record Explained(Explanation explanation, long revision) {

    /**
     * @param url     as the client sent it: {@code http://host/path?query}; a {@code Host} header wins
     * @throws ApiProblem 400 without a method or url, or with a url that does not parse
     */
    public static Explained request(ConfigService service, String method, String url, Map<String, String> headers) {
        if (method == null || method.isEmpty() || url == null || url.isEmpty()) {
            throw ApiProblem.invalid("method and url are required", List.of(
                    new ConfigError(method == null || method.isEmpty() ? "method" : "url", "required")));
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw ApiProblem.invalid("bad url", List.of(new ConfigError("url", e.getMessage())));
        }
        String host = headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("host"))
                .map(Map.Entry::getValue).findFirst().orElse(uri.getRawAuthority());
        String rawPath = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Snapshot snapshot = service.snapshot();
        Explanation explanation = RouteIndex.of(snapshot.config().routes())
                .explain(method, host, rawPath, RequestHeaders.of(headers));
        return new Explained(explanation, snapshot.revision());
    }
}
