package stargate.node.plugin.ratelimit;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import stargate.model.plugin.RateLimitConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.Response;
import stargate.node.plugin.Verdict;

/**
 * Counts each request against its key's bucket ({@link TokenBuckets} on this node, or with
 * {@code policy: cluster} {@link ClusterBuckets} in Redis); beyond the limit, 429
 * {@code rate_limited} with {@code Retry-After}. Every answer carries {@code RateLimit-Limit}
 * (the bucket's capacity, {@code rate + burst}), {@code RateLimit-Remaining} and
 * {@code RateLimit-Reset} (seconds until the bucket is full again).
 *
 * <p>Keys: {@code route} is the route id (a global instance still limits each route apart);
 * {@code ip} the client's address; {@code consumer} the consumer id, or the client's address for
 * requests nobody authenticated; {@code header:NAME} the header's value, or the client's address
 * when absent. Fallback keys are prefixed so they never collide with ids.
 *
 * <p><b>Redis unavailable</b> (down, or slower than {@code --redis-timeout}, 50 ms by default):
 * with {@code fault_tolerant: true} the request counts against this node's bucket at the same rate
 * (so N nodes admit up to N times the limit until Redis is back), counted in {@link #FALLBACK}; with
 * {@code false}, 503 {@code rate_limit_unavailable}.
 */
final class RateLimitPlugin implements Plugin {
    /** Metric: requests refused, by route (SPEC §11). {@code _total} is added in Prometheus. */
    static final String RATE_LIMITED = "stargate_rate_limited";
    /** Metric: cluster decisions taken on the local bucket because Redis did not answer, by route. */
    static final String FALLBACK = "stargate_rate_limit_fallback";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final RateLimitConfig config;
    private final String keyHeader;
    private final TokenBuckets buckets;
    private final ClusterBuckets cluster;
    private final LongSupplier nanoTime;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Counter> limited = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> fallbacks = new ConcurrentHashMap<>();

    RateLimitPlugin(RateLimitConfig config, PluginContext context, int maxKeys) {
        this.config = config;
        this.keyHeader = config.keyHeader();
        this.buckets = new TokenBuckets(config.rate(), config.per().toNanos(), config.burst(), maxKeys);
        this.cluster = config.cluster() ? new ClusterBuckets(context.redis(), context.scope(), config.rate(),
                config.per().toNanos(), config.burst()) : null;
        this.nanoTime = context.nanoTime();
        this.meters = context.meters();
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        String key = key(exchange);
        TokenBuckets.Decision decision = cluster == null ? buckets.acquire(key, nanoTime.getAsLong())
                : cluster.acquire(key);
        if (decision == null) {
            if (!config.faultTolerant()) {
                return Verdict.reject(503, "rate_limit_unavailable",
                        "the cluster rate limit cannot be checked: Redis is unavailable");
            }
            counter(fallbacks, FALLBACK, "Cluster rate-limit decisions taken locally: Redis unavailable, by route",
                    exchange.routeId()).increment();
            decision = buckets.acquire(key, nanoTime.getAsLong());
        }
        if (decision.allowed()) {
            exchange.attribute(this, decision);
            return Verdict.PASS;
        }
        counter(limited, RATE_LIMITED, "Requests refused by rate-limit, by route", exchange.routeId()).increment();
        Verdict verdict = Verdict.reject(429, "rate_limited", "rate limit of " + config.rate() + " per "
                + config.per() + " exceeded");
        verdict.header("Retry-After", Long.toString(seconds(decision.retryAfterNanos())));
        headers(decision, verdict::header);
        return verdict;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        if (exchange.attribute(this) instanceof TokenBuckets.Decision decision) {
            headers(decision, response::setHeader);
        }
    }

    private Counter counter(ConcurrentHashMap<String, Counter> byRoute, String name, String description, String routeId) {
        return byRoute.computeIfAbsent(routeId, route -> meters.getOrCreate(Counter.builder(name)
                .tags(List.of(Tag.create("route", route))).description(description)));
    }

    private void headers(TokenBuckets.Decision decision, java.util.function.BiConsumer<String, String> out) {
        out.accept("RateLimit-Limit", Integer.toString(buckets.capacity()));
        out.accept("RateLimit-Remaining", Long.toString(decision.remaining()));
        out.accept("RateLimit-Reset", Long.toString(seconds(decision.resetNanos())));
    }

    private String key(Exchange exchange) {
        return switch (config.key()) {
            case "route" -> exchange.routeId();
            case "ip" -> address(exchange);
            case "consumer" -> exchange.consumer() != null ? exchange.consumer().id() : "ip:" + address(exchange);
            default -> {
                String value = exchange.request().header(keyHeader);
                yield value != null ? "h:" + value : "ip:" + address(exchange);
            }
        };
    }

    private static String address(Exchange exchange) {
        InetAddress address = exchange.request().clientAddress();
        return address == null ? "unknown" : address.getHostAddress();
    }

    /** Whole seconds, rounded up: a client that waits this long is admitted. */
    private static long seconds(long nanos) {
        return Math.max(0, (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }
}
