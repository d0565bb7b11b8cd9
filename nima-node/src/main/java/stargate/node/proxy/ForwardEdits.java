package stargate.node.proxy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.helidon.http.ServerResponseHeaders;

/**
 * What plugins changed about one exchange's forwarding, applied by {@link ProxyExchange}: request
 * headers removed and added, query parameters dropped, the upstream path replaced, a request body
 * limit, a hook that edits the response head before it is sent, and a tap that sees the response as the
 * upstream sent it (head and body, for the proxy cache). Null in a {@link ForwardPlan}
 * when no plugin runs on the route, so the plain proxy path allocates nothing for it.
 *
 * <p>Per request, not thread-safe: filled by the request phase, then read by the proxy on the same thread.
 * Headers the proxy owns (framing, hop-by-hop, {@code Host}) cannot be edited: a plugin that tries gets
 * an {@link IllegalArgumentException}, which the plugin chain reports with the plugin's name.
 */
public final class ForwardEdits {
    /** Set by the proxy itself: editing them would break framing or forwarding. */
    private static final Set<String> OWNED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect");

    private final Set<String> removedHeaders = new HashSet<>(4);
    private final List<String[]> addedHeaders = new ArrayList<>(4);
    private Set<String> removedQueryParams;
    private String path;
    private long maxBodyBytes = -1;
    private ResponseHook responseHook;
    private ResponseTap responseTap;

    /** Edits the response head (status and headers as copied from the upstream) before it is sent. */
    public interface ResponseHook {
        void beforeSend(int status, ResponseFields fields);
    }

    /** Sees an upstream response as it streams to the client: the proxy cache's tee. */
    public interface ResponseTap {
        /**
         * The response head as the upstream sent it: end-to-end headers, before any {@link ResponseHook}.
         *
         * @return where to copy the body as it is sent to the client, or null not to copy it
         */
        BodySink open(int status, ServerResponseHeaders headers);
    }

    /** Receives a copy of the response body. */
    public interface BodySink {
        /** Bytes just written to the client. */
        void write(byte[] bytes, int offset, int length);

        /** The whole body reached the client. Not called when the exchange failed midway. */
        void complete();
    }

    /** Drops every value the client sent for {@code name} (and any added earlier). */
    public void removeHeader(String name) {
        String lower = owned(name);
        removedHeaders.add(lower);
        addedHeaders.removeIf(h -> h[0].equalsIgnoreCase(lower));
    }

    /** Sends {@code name: value} in addition to what the client sent. */
    public void addHeader(String name, String value) {
        owned(name);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("header " + name + ": a value must not contain CR, LF or NUL");
            }
        }
        addedHeaders.add(new String[] {name, value});
    }

    /** Replaces what the client sent for {@code name} with one value. */
    public void setHeader(String name, String value) {
        removeHeader(name);
        addHeader(name, value);
    }

    /** Drops a query parameter (every occurrence, matched on its raw name) from the upstream request. */
    public void removeQueryParam(String name) {
        if (removedQueryParams == null) {
            removedQueryParams = new HashSet<>(2);
        }
        removedQueryParams.add(name);
    }

    /** The raw (already encoded) path to send upstream instead of the route's; the query is kept. */
    public void path(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new IllegalArgumentException("an upstream path starts with '/', got \"" + rawPath + "\"");
        }
        this.path = rawPath;
    }

    /** The largest request body forwarded; reading past it fails with {@link BodyTooLargeException}. */
    public void maxBodyBytes(long max) {
        maxBodyBytes = maxBodyBytes < 0 ? max : Math.min(maxBodyBytes, max);
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public void responseHook(ResponseHook hook) {
        this.responseHook = hook;
    }

    public ResponseHook responseHook() {
        return responseHook;
    }

    public void responseTap(ResponseTap tap) {
        this.responseTap = tap;
    }

    public ResponseTap responseTap() {
        return responseTap;
    }

    /** Whether no plugin copies the response body (then it may bypass Helidon's response layer). */
    boolean leavesBody() {
        return responseTap == null;
    }

    /** Whether the client's values of this header (name in lower case) are dropped. */
    public boolean removesHeader(String lowerName) {
        return removedHeaders.contains(lowerName);
    }

    /** Headers sent in addition, as {name, value}, in the order they were added. */
    public List<String[]> addedHeaders() {
        return addedHeaders;
    }

    /** {@code pathAndQuery} with the path replaced and the dropped query parameters removed. */
    public String apply(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String newPath = path != null ? path : q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        if (removedQueryParams != null && !query.isEmpty()) {
            StringBuilder kept = new StringBuilder(query.length());
            for (String pair : query.split("&", -1)) {
                int eq = pair.indexOf('=');
                if (!removedQueryParams.contains(eq < 0 ? pair : pair.substring(0, eq))) {
                    kept.append(kept.isEmpty() ? "" : "&").append(pair);
                }
            }
            query = kept.toString();
        }
        return query.isEmpty() ? newPath : newPath + "?" + query;
    }

    private static String owned(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (OWNED.contains(lower)) {
            throw new IllegalArgumentException("header " + name + " is set by the proxy and cannot be edited by a plugin");
        }
        return lower;
    }
}
