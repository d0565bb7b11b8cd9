package stargate.node.listener;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import stargate.model.routing.RequestHeaders;

/** The route index's view of a Helidon request's headers. */
record RequestHeaderLookup(ServerRequestHeaders headers) implements RequestHeaders {
    @Override
    public String first(String lowerCaseName) {
        return headers.first(HeaderNames.create(lowerCaseName)).orElse(null);
    }
}
