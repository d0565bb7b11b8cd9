/**
 * The built-in plugins' configs: one record per plugin (SPEC §6), the single source of truth for
 * its keys, defaults, ranges and checks, plus the {@link stargate.model.validate.PluginSchema}
 * that the validator finds with {@link java.util.ServiceLoader} (each record's nested
 * {@code Schema} class).
 *
 * <p>Entry classes: {@link stargate.model.plugin.PluginConfigs} turns a plugin's JSON config into
 * its record ({@code RateLimitConfig cfg = PluginConfigs.read(json, RateLimitConfig.class)}, or
 * {@code RateLimitConfig.from(json)}), applying exactly the checks {@code stargate validate}, the
 * controller and the node apply; {@link stargate.model.plugin.RecordPluginSchema} makes a schema of
 * any such record, for plugin jars too.
 *
 * <p>Binding is the config codec's ({@link stargate.model.codec.ConfigCodec#readRecord}): unknown
 * keys are errors, wrong types are reported with their path. Each record then checks its meaning in
 * {@link stargate.model.plugin.PluginConfig#check}; those checks only run once binding succeeded.
 */
package stargate.model.plugin;
