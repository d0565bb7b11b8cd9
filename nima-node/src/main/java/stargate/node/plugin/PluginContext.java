package stargate.node.plugin;

import java.time.InstantSource;
import java.util.function.LongSupplier;

import io.helidon.metrics.api.MeterRegistry;
import stargate.node.redis.Redis;

/**
 * What the node gives a {@link PluginFactory} when it creates a plugin: config-time services, shared
 * by every plugin. Time comes from here, never from the system clock deep inside a plugin, so tests
 * drive it.
 *
 * @param meters   where plugins register their meters (names declared beside each plugin)
 * @param clock    wall-clock time, for token expiry and HTTP dates
 * @param nanoTime a monotonic clock in nanoseconds, for rates and durations
 * @param redis    the node's Redis ({@code --redis}), or null when it has none
 * @param scope    where the plugin being created is configured: {@code global}, {@code route:ID} or
 *                 {@code consumer:ID}; names state shared across nodes (e.g. a cluster rate limit's keys)
 */
public record PluginContext(MeterRegistry meters, InstantSource clock, LongSupplier nanoTime, Redis redis,
                            String scope) {

    public PluginContext(MeterRegistry meters, InstantSource clock, LongSupplier nanoTime) {
        this(meters, clock, nanoTime, null, "global");
    }

    /** The real clocks, no Redis. */
    public static PluginContext system(MeterRegistry meters) {
        return system(meters, null);
    }

    /** The real clocks and the node's Redis (null when none). */
    public static PluginContext system(MeterRegistry meters, Redis redis) {
        return new PluginContext(meters, InstantSource.system(), System::nanoTime, redis, "global");
    }

    /** This context for a plugin configured at {@code scope}. */
    public PluginContext at(String scope) {
        return new PluginContext(meters, clock, nanoTime, redis, scope);
    }
}
