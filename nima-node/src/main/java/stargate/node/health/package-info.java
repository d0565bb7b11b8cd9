/** Target health as balancers read it ({@link stargate.node.health.TargetHealth}). */
package stargate.node.health;
