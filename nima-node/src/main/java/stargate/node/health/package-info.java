/**
 * Upstream health: per-target state ({@link stargate.node.health.TargetHealth}) fed by active probes
 * ({@code ActiveChecker}, {@code Probe}) and passive results ({@link stargate.node.health.PassivePolicy}),
 * and each upstream's {@link stargate.node.health.Circuit}. Entry class:
 * {@link stargate.node.health.HealthRegistry}, which keeps all of it across config changes and reconciles
 * the probes when a snapshot is published. Balancers read {@code TargetHealth.eligible(now)}; the request
 * path ({@code listener.RetryLoop}) writes the passive results and runs attempts through the circuit.
 */
package stargate.node.health;
