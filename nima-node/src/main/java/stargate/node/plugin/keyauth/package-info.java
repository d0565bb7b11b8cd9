/**
 * {@code key-auth}: an API key in a header or query parameter identifies the consumer. Entry class:
 * {@link stargate.node.plugin.keyauth.KeyAuthFactory}; keys are matched by
 * {@link stargate.node.plugin.Credentials#byApiKey} (hashed, constant-time).
 */
package stargate.node.plugin.keyauth;
