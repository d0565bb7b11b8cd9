package stargate.node.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import javax.net.ssl.SSLParameters;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The node's Redis ({@code --redis}, SPEC §15), for calls that must answer within a deadline
 * ({@code --redis-timeout}, 50 ms by default) or not at all: the caller then falls back. Jedis, blocking (a virtual thread waits), over a pool
 * of connections; with Sentinel, Jedis follows the primary through a failover.
 *
 * <p><b>Failure handling.</b> A call that fails (refused, reset, slower than the deadline, an error
 * reply such as READONLY during a failover) returns null, and for {@link #RETRY_AFTER} no call is
 * tried: a Redis that is down costs one failed attempt per second, not one per request. The first
 * call after that tries again, so Redis coming back is used again without a restart. Each change
 * between up and down is logged once ({@code event=redis_down}, {@code event=redis_up}).
 *
 * <p>The client is built on first use, so a node starts while Redis (or every sentinel) is down.
 * Thread-safe.
 */
public final class Redis implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Redis.class.getName());
    /** After a failure, how long calls are not tried. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** Connections at most: 128 decisions in flight; more wait for one (within the deadline). */
    private static final int MAX_CONNECTIONS = 128;

    private final RedisUrl url;
    private final Duration deadline;
    private final LongSupplier nanoTime;
    private final AtomicLong retryAt = new AtomicLong();
    private volatile boolean down;
    private volatile UnifiedJedis client;
    private boolean closed;

    private Redis(RedisUrl url, Duration deadline, LongSupplier nanoTime) {
        this.url = url;
        this.deadline = deadline;
        this.nanoTime = nanoTime;
    }

    /**
     * @param deadline a call slower than this counts as failed (SPEC §15: 50 ms); it bounds each of the
     *                 connect, the wait for a pooled connection and the reply
     */
    public static Redis of(RedisUrl url, Duration deadline) {
        return new Redis(url, deadline, System::nanoTime);
    }

    public RedisUrl url() {
        return url;
    }

    /**
     * Runs {@code script} on one key.
     *
     * @return its reply, a list of integers; null when Redis did not answer in time or failed
     */
    public List<Long> run(Script script, String key, List<String> args) {
        if (down && nanoTime.getAsLong() - retryAt.get() < 0) {
            return null;
        }
        try {
            UnifiedJedis jedis = client();
            Object reply;
            try {
                reply = jedis.evalsha(script.sha1(), List.of(key), args);
            } catch (JedisNoScriptException e) {
                reply = jedis.eval(script.source(), List.of(key), args);   // Redis caches it for the next EVALSHA
            }
            List<Long> numbers = longs(reply);
            if (down) {
                down = false;
                LOG.info("event=redis_up url=" + url);
            }
            return numbers;
        } catch (JedisException | IllegalStateException e) {
            retryAt.set(nanoTime.getAsLong() + RETRY_AFTER.toNanos());
            if (!down) {
                down = true;
                LOG.warning("event=redis_down url=" + url + " retry_after=" + RETRY_AFTER.toMillis() + "ms error=\""
                        + String.valueOf(e.getMessage()).replace('"', '\'') + "\"");
            }
            return null;
        }
    }

    private static List<Long> longs(Object reply) {
        if (!(reply instanceof List<?> list)) {
            throw new IllegalStateException("script replied " + reply + ", expected a list of integers");
        }
        List<Long> numbers = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof Long number)) {
                throw new IllegalStateException("script replied " + reply + ", expected a list of integers");
            }
            numbers.add(number);
        }
        return numbers;
    }

    private UnifiedJedis client() {
        UnifiedJedis built = client;
        if (built != null) {
            return built;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("redis client closed");
            }
            if (client == null) {
                client = build();
            }
            return client;
        }
    }

    private UnifiedJedis build() {
        int millis = (int) deadline.toMillis();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis).socketTimeoutMillis(millis)
                .user(url.user()).password(url.password()).database(url.database())
                .clientName("stargate-node");
        if (url.tls()) {
            SSLParameters tls = new SSLParameters();
            tls.setEndpointIdentificationAlgorithm("HTTPS");   // the certificate must name the host
            config.ssl(true).sslParameters(tls);
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(MAX_CONNECTIONS);
        pool.setMaxIdle(MAX_CONNECTIONS);
        pool.setMaxWait(deadline);
        pool.setJmxEnabled(false);
        // connections broken by a Redis restart are found by a PING while idle, not by a request
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(RETRY_AFTER);
        pool.setNumTestsPerEvictionRun(-1);
        if (url.sentinel()) {
            Set<HostAndPort> sentinels = new HashSet<>();
            url.hosts().forEach(host -> sentinels.add(new HostAndPort(host.host(), host.port())));
            JedisClientConfig sentinelConfig = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(millis).socketTimeoutMillis(millis).build();
            return RedisSentinelClient.builder().masterName(url.master()).sentinels(sentinels)
                    .sentinelClientConfig(sentinelConfig).clientConfig(config.build()).poolConfig(pool).build();
        }
        RedisUrl.Host host = url.hosts().getFirst();
        return RedisClient.builder().hostAndPort(host.host(), host.port()).clientConfig(config.build())
                .poolConfig(pool).build();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
        }
    }
}
