/**
 * Progressive rollout (SPEC §22, docs/rollout.md): a config change served first by a few canary
 * nodes, judged against the other nodes, then promoted to all or rolled back. {@link Rollout} is
 * the record the controller keeps under {@code <prefix>/rollouts/<id>} and the nodes read;
 * {@link RolloutPolicy} how canaries are chosen and judged; {@link LatencyBuckets} the histogram
 * bounds nodes count in and the controller merges.
 */
package stargate.model.rollout;
