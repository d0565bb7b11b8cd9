/**
 * Progressive rollouts on the controller (SPEC §22, docs/rollout.md): {@link Rollouts} starts a
 * rollout from a dry-run write, judges it while it bakes ({@link Judgement}, leader only) and
 * promotes it through the normal write path or rolls it back.
 */
package stargate.controller.rollout;
