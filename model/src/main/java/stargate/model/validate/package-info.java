/**
 * Config validation: every error at once, each a {@link stargate.model.validate.ConfigError} with
 * its path. Entry class: {@link stargate.model.validate.ConfigValidator}; plugins check their own
 * configs through the {@link stargate.model.validate.PluginSchema} SPI, found by
 * {@link stargate.model.validate.PluginCatalog}.
 */
package stargate.model.validate;
