package stargate.node.plugin.ratelimit;

import java.util.List;

import stargate.node.redis.Redis;
import stargate.node.redis.Script;

/**
 * The buckets of {@link TokenBuckets}, held in Redis so every node counts against the same ones
 * (SPEC §15): the same GCRA, run as one Lua script per decision, which Redis executes atomically, so
 * concurrent decisions from any number of nodes are exact.
 *
 * <p><b>Time</b> is Redis's clock ({@code TIME}), in microseconds, read inside the script: nodes whose
 * clocks disagree still agree on every bucket. A key holds one number, the theoretical arrival time,
 * (written with all its digits: Lua would print a number with 14), and expires when its bucket is full
 * again, so idle keys cost Redis nothing.
 *
 * <p><b>Keys</b>: {@code stargate:rl:SCOPE:KEY}, where SCOPE is where the plugin is configured
 * ({@code global}, {@code route:ID}, {@code consumer:ID}, as local instances are apart) and KEY the
 * request's key as {@link TokenBuckets#heldKey} holds it (a long header value by its SHA-256), so a
 * client cannot make Redis hold large keys.
 */
final class ClusterBuckets {
    /** The decision (gcra.lua beside this class): atomic in Redis; replies {allowed, remaining, retry, reset} in µs. */
    static final Script GCRA = Script.resource(ClusterBuckets.class, "gcra.lua");
    static final String PREFIX = "stargate:rl:";
    private static final long NANOS_PER_MICRO = 1_000;

    private final Redis redis;
    private final String prefix;
    private final List<String> args;

    /** As {@link TokenBuckets#TokenBuckets}; the interval in whole microseconds (at least 1). */
    ClusterBuckets(Redis redis, String scope, int rate, long perNanos, int burst) {
        this.redis = java.util.Objects.requireNonNull(redis, "policy: cluster needs the node's --redis");
        this.prefix = PREFIX + scope + ":";
        long intervalMicros = Math.max(1, perNanos / rate / NANOS_PER_MICRO);
        this.args = List.of(Long.toString(intervalMicros), Integer.toString(rate + burst));
    }

    /** The decision for {@code key}, or null when Redis did not answer in time. */
    TokenBuckets.Decision acquire(String key) {
        List<Long> reply = redis.run(GCRA, prefix + TokenBuckets.heldKey(key), args);
        if (reply == null) {
            return null;
        }
        return new TokenBuckets.Decision(reply.get(0) == 1, reply.get(1), reply.get(2) * NANOS_PER_MICRO,
                reply.get(3) * NANOS_PER_MICRO);
    }
}
