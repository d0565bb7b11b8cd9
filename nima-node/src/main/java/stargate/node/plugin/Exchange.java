package stargate.node.plugin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import stargate.model.Consumer;
import stargate.model.Route;
import stargate.node.proxy.ForwardEdits;

/**
 * One request's state as it goes through the plugin chain: the request as it arrived, the matched
 * route and its path parameters, who the caller is once authenticated, and what plugins changed
 * (request headers, path, query, body limit, the upstream). Created per request by the proxy
 * handler; used on the request's own thread, so not thread-safe.
 */
public final class Exchange {
    private final IncomingRequest request;
    private final Route route;
    private final Map<String, String> pathParams;
    private final Consumers consumers;
    private String requestId;
    private Consumer consumer;
    private String upstream;
    private ForwardEdits edits;
    private Map<Object, Object> attributes;
    /** The stage running now: the chain checks what it may do (only AUTH sets the consumer). */
    Stage current;
    /** Stages whose request phase ran, in order: their response phase runs. */
    final List<Stage> ran = new ArrayList<>(4);

    /**
     * @param pathParams  the route's template variables ({@code {id}}) as matched
     * @param credentials how auth plugins find consumers in the config being served
     */
    public Exchange(IncomingRequest request, Route route, Map<String, String> pathParams, String requestId,
                    Credentials credentials) {
        this(request, route, pathParams, requestId, new Consumers(credentials, Map.of()));
    }

    /** @param consumers the served consumers as the request started: it keeps them to the end */
    Exchange(IncomingRequest request, Route route, Map<String, String> pathParams, String requestId, Consumers consumers) {
        this.request = Objects.requireNonNull(request, "request");
        this.route = Objects.requireNonNull(route, "route");
        this.pathParams = pathParams;
        this.requestId = requestId;
        this.consumers = consumers;
    }

    public IncomingRequest request() {
        return request;
    }

    public Route route() {
        return route;
    }

    public String routeId() {
        return route.id();
    }

    /** The route's template variables, e.g. {@code id} for {@code /users/{id}}. */
    public Map<String, String> pathParams() {
        return pathParams;
    }

    /**
     * The first value of query parameter {@code name}, percent-decoded (UTF-8, {@code +} as space);
     * null when absent or not decodable.
     */
    public String queryParam(String name) {
        String query = request.rawQuery();
        int from = 0;
        while (from <= query.length()) {
            int end = query.indexOf('&', from);
            if (end < 0) {
                end = query.length();
            }
            int eq = query.indexOf('=', from);
            boolean hasValue = eq >= 0 && eq < end;
            if (query.regionMatches(from, name, 0, name.length()) && (hasValue ? eq : end) == from + name.length()) {
                try {
                    return hasValue ? URLDecoder.decode(query.substring(eq + 1, end), StandardCharsets.UTF_8) : "";
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            from = end + 1;
        }
        return null;
    }

    public String requestId() {
        return requestId;
    }

    /** Replaces the request id (the {@code request-id} plugin, with the client's id from another header). */
    public void requestId(String id) {
        this.requestId = Objects.requireNonNull(id, "id");
    }

    public Credentials credentials() {
        return consumers.credentials();
    }

    /** The consumers this request looks up, credentials and consumer stages from one config. */
    Consumers consumers() {
        return consumers;
    }

    /** The plugin whose request phase ran last (after a rejection: the one that answered), or null. */
    public String lastPlugin() {
        return ran.isEmpty() ? null : ran.get(ran.size() - 1).name();
    }

    /** The authenticated consumer, or null. */
    public Consumer consumer() {
        return consumer;
    }

    /**
     * Records who the caller is; plugins configured for this consumer then apply to the rest of the
     * chain. Only an {@link Phase#AUTH} plugin may call it, and two auth plugins may not disagree.
     */
    public void authenticate(Consumer who) {
        Objects.requireNonNull(who, "consumer");
        if (current != null && current.phase() != Phase.AUTH) {
            throw new IllegalStateException("only AUTH-phase plugins may set the consumer; \"" + current.name()
                    + "\" runs in " + current.phase());
        }
        if (consumer != null && !consumer.id().equals(who.id())) {
            throw new IllegalStateException("credentials of two consumers (" + consumer.id() + ", " + who.id() + ")");
        }
        this.consumer = who;
    }

    /** Sends this request to another upstream of the config (by id) instead of the route's. */
    public void routeTo(String upstreamId) {
        this.upstream = Objects.requireNonNull(upstreamId, "upstreamId");
    }

    /** The upstream chosen by a plugin, or null for the route's own. */
    public String upstreamOverride() {
        return upstream;
    }

    public void setRequestHeader(String name, String value) {
        edits().setHeader(name, value);
    }

    public void addRequestHeader(String name, String value) {
        edits().addHeader(name, value);
    }

    public void removeRequestHeader(String name) {
        edits().removeHeader(name);
    }

    public void removeQueryParam(String name) {
        edits().removeQueryParam(name);
    }

    /** The raw (encoded) path sent upstream instead of the route's; the query string is kept. */
    public void rewritePath(String rawPath) {
        edits().path(rawPath);
    }

    /** Stops forwarding the request body past {@code maxBytes} (413); the smallest limit set wins. */
    public void limitRequestBody(long maxBytes) {
        edits().maxBodyBytes(maxBytes);
    }

    /**
     * Lets {@code tap} see the upstream's response as the upstream sent it, head and body, while it
     * streams to the client (the proxy cache). Not called when no upstream answers.
     */
    public void tapResponse(ForwardEdits.ResponseTap tap) {
        edits().responseTap(Objects.requireNonNull(tap, "tap"));
    }

    /** Per-request state a plugin keeps between its two phases; null when unset. */
    public Object attribute(Object key) {
        return attributes == null ? null : attributes.get(key);
    }

    public void attribute(Object key, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>(4);
        }
        attributes.put(key, value);
    }

    /** What the proxy applies when forwarding; null when no plugin changed anything and no response phase runs. */
    public ForwardEdits forwardEdits() {
        return edits;
    }

    ForwardEdits edits() {
        if (edits == null) {
            edits = new ForwardEdits();
        }
        return edits;
    }
}
