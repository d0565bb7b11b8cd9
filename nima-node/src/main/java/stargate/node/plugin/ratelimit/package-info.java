/**
 * {@code rate-limit}: at most {@code rate} requests per {@code per} (plus {@code burst}) for each key
 * (route, client address, consumer or a header's value). Entry class:
 * {@link stargate.node.plugin.ratelimit.RateLimitFactory}; the algorithm is in
 * {@link stargate.node.plugin.ratelimit.TokenBuckets}.
 */
package stargate.node.plugin.ratelimit;
