/**
 * The config codec: YAML and JSON text to and from the model records, every error with its path.
 * Entry class: {@link stargate.model.codec.ConfigCodec}; units of durations and sizes:
 * {@link stargate.model.codec.Units} (sizes bind to {@link stargate.model.codec.ByteSize}); any config record, such
 * as a plugin's, binds with {@link stargate.model.codec.ConfigCodec#readRecord}.
 */
package stargate.model.codec;
