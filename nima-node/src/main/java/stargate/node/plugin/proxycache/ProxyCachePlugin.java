package stargate.node.plugin.proxycache;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import stargate.model.plugin.ProxyCacheConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.IncomingRequest;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.Response;
import stargate.node.plugin.Verdict;
import stargate.node.proxy.ForwardEdits;

/**
 * Answers GET and HEAD from stored responses while they are fresh; otherwise lets the request go to
 * the upstream and, for a GET, copies the response as it streams to the client and stores it if
 * {@link Storability} allows. Every GET/HEAD answer carries {@code X-Cache: HIT} or {@code MISS}.
 *
 * <p><b>Key</b>: route, consumer (when authenticated), {@code Host}, raw path and query, and
 * {@code Accept-Encoding}; HEAD uses the GET's key (a HEAD is answered from a stored GET; a HEAD miss
 * stores nothing). <b>Requests</b> with {@code Cache-Control: no-store} neither read nor fill the cache;
 * {@code no-cache}, {@code max-age=0} or {@code Pragma: no-cache} skip the lookup but store the fresh
 * answer; requests with a body are not cached. <b>Bodies</b> over {@code max_body_size} stream to the
 * client and are not stored (known up front from {@code Content-Length}, else when the copy passes the
 * size). Concurrent misses on one key all go upstream; the last to finish is stored. <b>Memory</b>: the
 * entries are bounded by {@code max_memory} ({@link ResponseCache}); a body being copied grows as its
 * bytes arrive, never allocated at {@code max_body_size} up front.
 *
 * <p>A hit is an answer of the {@link stargate.node.plugin.Phase#PROXY} phase: it stands in for the upstream,
 * so plugins of later phases (response-transformer) and the response phase of all of them apply to it as
 * they would to the upstream's response, which is what is stored.
 */
final class ProxyCachePlugin implements Plugin {
    /** Metric: requests answered from the cache, by route. {@code _total} is added in Prometheus. */
    static final String HITS = "stargate_cache_hits";
    /** Metric: GET/HEAD requests the cache could not answer (absent, stale, or bypassed), by route. */
    static final String MISSES = "stargate_cache_misses";
    /** Metric: bytes held by the cache serving a route (a global proxy-cache is one cache for all its routes). */
    static final String HELD_BYTES = "stargate_cache_bytes";

    private enum Outcome { HIT, MISS }

    private final ResponseCache cache;
    private final Duration ttl;
    private final int maxBodyBytes;
    private final InstantSource clock;
    private final LongSupplier nanoTime;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Counter> hits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> misses = new ConcurrentHashMap<>();
    private final Set<String> routesWithHeldBytesGauge = ConcurrentHashMap.newKeySet();

    ProxyCachePlugin(ProxyCacheConfig config, PluginContext context) {
        this.cache = new ResponseCache(config.maxEntries(), config.maxMemory().bytes());
        this.ttl = config.ttl();
        this.maxBodyBytes = (int) Math.min(config.maxBodySize().bytes(), Integer.MAX_VALUE - 16);
        this.clock = context.clock();
        this.nanoTime = context.nanoTime();
        this.meters = context.meters();
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        IncomingRequest request = exchange.request();
        boolean head = request.method().equals("HEAD");
        if (!head && !request.method().equals("GET")
                || request.contentLength() > 0 || request.header("Transfer-Encoding") != null) {
            return Verdict.PASS;
        }
        CacheControl cc = CacheControl.parse(request.headers("Cache-Control"));
        boolean pragmaNoCache = request.headers("Pragma").stream().anyMatch(p -> p.toLowerCase(Locale.ROOT).contains("no-cache"));
        registerHeldBytesGauge(exchange.routeId());
        String key = key(exchange);
        long now = nanoTime.getAsLong();
        if (!cc.noStore() && !cc.noCache() && cc.maxAge() != 0 && !pragmaNoCache) {
            CachedResponse hit = cache.get(key, now);
            if (hit != null) {
                count(hits, HITS, exchange.routeId());
                exchange.attribute(this, Outcome.HIT);
                return answer(hit, now);
            }
        }
        count(misses, MISSES, exchange.routeId());
        exchange.attribute(this, Outcome.MISS);
        if (!head && !cc.noStore()) {
            exchange.tapResponse(new Capture(key, request.header("Authorization") != null));
        }
        return Verdict.PASS;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        if (exchange.attribute(this) instanceof Outcome outcome) {
            response.setHeader("X-Cache", outcome.name());
        }
    }

    int size() {
        return cache.size();
    }

    long heldBytes() {
        return cache.heldBytes();
    }

    private static String key(Exchange exchange) {
        IncomingRequest request = exchange.request();
        String host = request.header("Host");
        return exchange.routeId() + '\n' + (exchange.consumer() == null ? "" : exchange.consumer().id()) + '\n'
                + (host == null ? "" : host.toLowerCase(Locale.ROOT)) + '\n' + request.rawPath() + '?' + request.rawQuery()
                + '\n' + String.join(",", request.headers("Accept-Encoding"));
    }

    private static Verdict answer(CachedResponse hit, long now) {
        Verdict verdict = Verdict.respond(hit.status(), hit.body(), hit.contentType());
        for (String[] header : hit.headers()) {
            verdict.header(header[0], header[1]);
        }
        return verdict.header("Age", Long.toString(hit.ageAtStore() + (now - hit.storedAt()) / 1_000_000_000L));
    }

    private void count(ConcurrentHashMap<String, Counter> counters, String name, String route) {
        counters.computeIfAbsent(route, r -> meters.getOrCreate(Counter.builder(name)
                .tags(List.of(Tag.create("route", r)))
                .description(name.equals(HITS) ? "Requests answered by proxy-cache, by route"
                        : "GET/HEAD requests proxy-cache could not answer, by route"))).increment();
    }

    /**
     * Registers the route's {@link #HELD_BYTES} gauge, replacing the one a previous instance (before a config
     * change) registered. The gauge reads the cache through a weak reference: a gauge left behind by a removed
     * route must not keep a dropped cache's bodies alive.
     */
    private void registerHeldBytesGauge(String route) {
        if (routesWithHeldBytesGauge.contains(route) || !routesWithHeldBytesGauge.add(route)) {
            return;
        }
        List<Tag> tags = List.of(Tag.create("route", route));
        WeakReference<ResponseCache> weakCache = new WeakReference<>(cache);
        meters.remove(HELD_BYTES, tags);
        meters.getOrCreate(Gauge.builder(HELD_BYTES, () -> {
            ResponseCache live = weakCache.get();
            return live == null ? 0L : live.heldBytes();
        }).tags(tags).description("Bytes held by the proxy-cache serving a route (bodies, headers and keys)"));
    }

    /**
     * One GET miss: sees the upstream's head, decides whether to keep it, copies the body up to
     * {@code max_body_size} and stores the whole once it has reached the client. Per request, one thread.
     */
    private final class Capture implements ForwardEdits.ResponseTap, ForwardEdits.BodySink {
        private static final int INITIAL_BUFFER = 8192;

        private final String key;
        private final boolean authorized;
        private int status;
        private long freshMillis;
        private final List<String[]> headers = new ArrayList<>();
        private String contentType;
        private long age;
        private byte[] body;
        private int size;
        private long declaredLength;

        Capture(String key, boolean authorized) {
            this.key = key;
            this.authorized = authorized;
        }

        @Override
        public ForwardEdits.BodySink open(int status, ServerResponseHeaders upstream) {
            freshMillis = Storability.freshnessMillis(status, name -> upstream.values(HeaderNames.create(name)),
                    authorized, ttl, clock.millis());
            long length = upstream.contentLength().orElse(-1);
            if (freshMillis <= 0 || length > maxBodyBytes) {
                return null;
            }
            this.status = status;
            age = Storability.age(upstream.values(HeaderNames.create("age")));
            for (Header header : upstream) {
                String name = header.headerName().lowerCase();
                switch (name) {
                    case "content-type" -> contentType = header.get();
                    case "content-length", "age", "x-request-id", "x-cache" -> { }
                    default -> header.allValues().forEach(value -> headers.add(new String[] {header.name(), value}));
                }
            }
            declaredLength = length;
            body = new byte[(int) Math.min(INITIAL_BUFFER, length >= 0 ? length : maxBodyBytes)];
            return this;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (body == null) {
                return;                 // over the limit: streamed, not stored
            }
            if (length > maxBodyBytes - size) {
                body = null;
                return;
            }
            int needed = size + length;
            if (needed > body.length) {
                // doubling, but no further than the declared length (or max_body_size): a slow or failing
                // upstream costs only what it has sent, and a declared body ends in an array of its exact size
                long limit = declaredLength >= needed ? declaredLength : maxBodyBytes;
                body = Arrays.copyOf(body, (int) Math.min(limit, Math.max(needed, 2L * body.length)));
            }
            System.arraycopy(bytes, offset, body, size, length);
            size += length;
        }

        @Override
        public void complete() {
            if (body == null) {
                return;
            }
            long now = nanoTime.getAsLong();
            cache.put(key, new CachedResponse(status, List.copyOf(headers), contentType,
                    size == body.length ? body : Arrays.copyOf(body, size), now, now + freshMillis * 1_000_000L, age));
        }
    }
}
