package stargate.node.plugin;

import java.time.InstantSource;
import java.util.function.LongSupplier;

import io.helidon.metrics.api.MeterRegistry;

/**
 * What the node gives a {@link PluginFactory} when it creates a plugin: config-time services, shared
 * by every plugin. Time comes from here, never from the system clock deep inside a plugin, so tests
 * drive it.
 *
 * @param meters   where plugins register their meters (names declared beside each plugin)
 * @param clock    wall-clock time, for token expiry and HTTP dates
 * @param nanoTime a monotonic clock in nanoseconds, for rates and durations
 */
public record PluginContext(MeterRegistry meters, InstantSource clock, LongSupplier nanoTime) {

    /** The real clocks. */
    public static PluginContext system(MeterRegistry meters) {
        return new PluginContext(meters, InstantSource.system(), System::nanoTime);
    }
}
