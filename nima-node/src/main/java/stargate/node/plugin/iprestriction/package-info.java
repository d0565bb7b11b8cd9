/**
 * {@code ip-restriction}: clients allowed or denied by address range. Entry class:
 * {@link stargate.node.plugin.iprestriction.IpRestrictionFactory}.
 */
package stargate.node.plugin.iprestriction;
