/**
 * {@code request-size-limit}: 413 for request bodies above a size. Entry class:
 * {@link stargate.node.plugin.sizelimit.RequestSizeLimitFactory}.
 */
package stargate.node.plugin.sizelimit;
