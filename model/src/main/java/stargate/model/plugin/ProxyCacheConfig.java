package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import stargate.model.codec.ByteSize;

/**
 * {@code proxy-cache}: caches GET and HEAD responses the upstream allows to be cached
 * ({@code Cache-Control}), answering {@code X-Cache: HIT} or {@code MISS}.
 *
 * @param ttl         how long an entry is served when the response sets no lifetime; default 60s; greater than 0
 * @param maxEntries  entries kept per node, least recently used evicted first; default 10000; 1..10000000
 * @param maxBodySize larger responses are not cached, in bytes; default 1MiB; greater than 0, at most {@code max_memory}
 * @param maxMemory   the bytes one instance's entries may hold (bodies, headers and keys), least recently used
 *                    evicted first; default 64MiB; greater than 0
 */
public record ProxyCacheConfig(Duration ttl, Integer maxEntries, ByteSize maxBodySize, ByteSize maxMemory)
        implements PluginConfig {
    public static final String NAME = "proxy-cache";
    static final int MAX_ENTRIES = 10_000_000;

    public ProxyCacheConfig {
        ttl = ttl == null ? Duration.ofSeconds(60) : ttl;
        maxEntries = maxEntries == null ? 10_000 : maxEntries;
        maxBodySize = maxBodySize == null ? ByteSize.ofMebibytes(1) : maxBodySize;
        maxMemory = maxMemory == null ? ByteSize.ofMebibytes(64) : maxMemory;
    }

    public static ProxyCacheConfig from(JsonNode config) {
        return PluginConfigs.read(config, ProxyCacheConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        problems.positive("ttl", ttl);
        problems.range("max_entries", maxEntries, 1, MAX_ENTRIES);
        if (maxBodySize.bytes() == 0) {
            problems.add("max_body_size", "must be greater than 0");
        }
        if (maxMemory.bytes() == 0) {
            problems.add("max_memory", "must be greater than 0");
        } else if (maxBodySize.bytes() > maxMemory.bytes()) {
            problems.add("max_body_size", "must be at most max_memory (" + maxMemory + "), got " + maxBodySize
                    + ": a body that size could never be kept");
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<ProxyCacheConfig> {
        public Schema() {
            super(NAME, ProxyCacheConfig.class);
        }
    }
}
