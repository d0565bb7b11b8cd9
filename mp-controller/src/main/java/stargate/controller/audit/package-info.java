/**
 * Who changed the config, what, when and from where: {@link stargate.controller.audit.Actor} is the
 * author of a write; {@link stargate.controller.audit.AuditLog} (entry class) writes and pages the
 * bounded audit log under {@code <prefix>/audit/}.
 */
package stargate.controller.audit;
