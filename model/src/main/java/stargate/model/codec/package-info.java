/**
 * The config codec: YAML and JSON text to and from the model records, every error with its path.
 * Entry class: {@link stargate.model.codec.ConfigCodec}; units of durations and sizes:
 * {@link stargate.model.codec.Units}.
 */
package stargate.model.codec;
