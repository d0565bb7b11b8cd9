/**
 * {@code basic-auth}: {@code Authorization: Basic} checked against consumers' user names and
 * passwords. Entry class: {@link stargate.node.plugin.basicauth.BasicAuthFactory}; passwords are
 * checked by {@link stargate.node.plugin.Credentials#byPassword} (salted hash, constant-time).
 */
package stargate.node.plugin.basicauth;
