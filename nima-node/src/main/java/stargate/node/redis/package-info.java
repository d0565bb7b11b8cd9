/**
 * The node's connection to Redis ({@code --redis}, SPEC §15): {@link stargate.node.redis.RedisUrl}
 * parses the flag, {@link stargate.node.redis.Redis} runs {@link stargate.node.redis.Script}s within a
 * deadline and says when it could not, so callers fall back.
 */
package stargate.node.redis;
