/**
 * {@code request-id}: the request id under a header name of the operator's choice. Entry class:
 * {@link stargate.node.plugin.requestid.RequestIdFactory}. (The proxy itself always keeps or makes
 * {@code X-Request-Id}; this plugin adds another name for the same id.)
 */
package stargate.node.plugin.requestid;
