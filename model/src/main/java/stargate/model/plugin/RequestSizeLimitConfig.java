package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import stargate.model.codec.ByteSize;

/**
 * {@code request-size-limit}: 413 for a request body above the limit, checked up front against
 * {@code Content-Length} and while streaming a chunked body.
 *
 * @param maxBodySize the largest body accepted, in bytes ({@code 512}, {@code 64KiB}, {@code 10MiB});
 *                    default 1MiB; 0 refuses any body. Every size the binder reads is valid
 */
public record RequestSizeLimitConfig(ByteSize maxBodySize) implements PluginConfig {
    public static final String NAME = "request-size-limit";

    public RequestSizeLimitConfig {
        maxBodySize = maxBodySize == null ? ByteSize.ofMebibytes(1) : maxBodySize;
    }

    public static RequestSizeLimitConfig from(JsonNode config) {
        return PluginConfigs.read(config, RequestSizeLimitConfig.class);
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<RequestSizeLimitConfig> {
        public Schema() {
            super(NAME, RequestSizeLimitConfig.class);
        }
    }
}
