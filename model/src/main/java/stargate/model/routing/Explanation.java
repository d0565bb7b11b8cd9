package stargate.model.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a request goes where it goes.
 *
 * @param route      the id of the route that serves it; null = no route (404 no_route) or a refused path
 * @param params     the winner's template variables
 * @param candidates the other routes near the request, each with the reason it lost: first those
 *                   whose host and path match, in the order the matcher tried them; then those
 *                   whose path matches but not their hosts, and those whose hosts match and whose
 *                   path shares the request's first segment (or that name hosts), in config order
 * @param path       the path as normalized ({@link PathNormalizer}) and matched, without the query;
 *                   null when refused
 * @param refused    why the path is refused with 400 bad_request before routing; null when it is not
 */
public record Explanation(String route, Map<String, String> params, List<Candidate> candidates, String path,
                          String refused) {
    public Explanation {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        candidates = List.copyOf(candidates);
    }

    /** A request whose path is refused before routing (400 bad_request), for {@code reason}. */
    static Explanation refused(String reason) {
        return new Explanation(null, Map.of(), List.of(), null, reason);
    }

    /** @param route a route id; @param reason why it does not serve the request */
    public record Candidate(String route, String reason) {
    }
}
