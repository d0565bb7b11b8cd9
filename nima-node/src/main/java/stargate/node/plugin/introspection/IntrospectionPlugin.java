package stargate.node.plugin.introspection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import stargate.model.Consumer;
import stargate.model.plugin.OAuth2IntrospectionConfig;
import stargate.node.plugin.Credentials;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.Verdict;
import stargate.node.plugin.jwtauth.BearerToken;

/**
 * Asks the introspection endpoint whether the bearer token is active, through a {@link TokenCache}:
 * <ul>
 *   <li>active: cached for {@code cache_ttl}, never past the token's {@code exp}; a token whose
 *       {@code exp} has passed is inactive whatever the endpoint says;</li>
 *   <li>inactive: 401 {@code invalid_token}, cached for {@link #NEGATIVE_TTL} at most (a token the
 *       server has just issued may be replayed by a client that got it early);</li>
 *   <li>no usable answer within {@link Introspector#TIMEOUT} (down, slow, non-200, not JSON): 503
 *       {@code introspection_unavailable}, not cached. Not 401: the token may be fine, and a client
 *       told its token is invalid would throw it away.</li>
 * </ul>
 * {@code cache_ttl: 0} caches nothing. Concurrent first requests with the same token each call the
 * endpoint (no coalescing). The consumer is found as for {@code jwt-auth}, from {@code iss}, {@code aud}
 * and {@code sub} of the answer.
 */
final class IntrospectionPlugin implements Plugin {
    private static final System.Logger LOG = System.getLogger(IntrospectionPlugin.class.getName());
    /** The longest an inactive answer is reused. */
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
    /** Failures are logged at most this often (an outage would otherwise log every request). */
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Introspector introspector;
    private final TokenCache cache;
    private final long cacheTtlNanos;
    private final InstantSource clock;
    private final LongSupplier nanoTime;
    private final String endpoint;
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE);

    IntrospectionPlugin(OAuth2IntrospectionConfig config, Introspector introspector, PluginContext context,
                        int maxCacheEntries) {
        this.introspector = introspector;
        this.cache = new TokenCache(maxCacheEntries);
        this.cacheTtlNanos = config.cacheTtl().toNanos();
        this.clock = context.clock();
        this.nanoTime = context.nanoTime();
        this.endpoint = config.endpoint();
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        String token = BearerToken.of(exchange.request().header("Authorization"));
        if (token == null) {
            return BearerToken.missing();
        }
        String digest = digest(token);
        long now = nanoTime.getAsLong();
        Introspector.Answer answer = cache.get(digest, now);
        if (answer == null) {
            try {
                answer = introspector.introspect(token);
            } catch (Introspector.FailedException e) {
                logFailure(e, now);
                return Verdict.reject(503, "introspection_unavailable", "the token could not be checked");
            }
            if (answer.active() && answer.expiresAt() >= 0 && answer.expiresAt() * 1000 <= clock.millis()) {
                answer = Introspector.Answer.INACTIVE;     // expired, whatever "active" said
            }
            long lifetime = lifetimeNanos(answer);
            if (lifetime > 0) {
                cache.put(digest, answer, now + lifetime, now);
            }
        }
        if (!answer.active()) {
            return BearerToken.invalid("token is not active");
        }
        Credentials credentials = exchange.credentials();
        Consumer consumer = credentials.byToken(answer.issuer(), answer.audiences(), answer.subject());
        if (consumer != null) {
            exchange.authenticate(consumer);
        } else if (answer.issuer() != null && credentials.mapsIssuer(answer.issuer())) {
            return BearerToken.invalid("token matches no consumer");
        }
        return Verdict.PASS;
    }

    /** How long an answer may be reused: up to {@code cache_ttl}, an active one never past its {@code exp}. */
    private long lifetimeNanos(Introspector.Answer answer) {
        if (!answer.active()) {
            return Math.min(cacheTtlNanos, NEGATIVE_TTL.toNanos());
        }
        if (answer.expiresAt() < 0) {
            return cacheTtlNanos;
        }
        return Math.min(cacheTtlNanos, (answer.expiresAt() * 1000 - clock.millis()) * 1_000_000);
    }

    private void logFailure(Introspector.FailedException e, long now) {
        long last = lastFailureLog.get();
        if ((last == Long.MIN_VALUE || now - last >= LOG_INTERVAL_NANOS) && lastFailureLog.compareAndSet(last, now)) {
            LOG.log(System.Logger.Level.WARNING, "oauth2-introspection: " + endpoint + " failed: " + e.getMessage()
                    + " (answering 503; logged at most every 10 s)");
        }
    }

    private static String digest(String token) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
