/**
 * The one write path to the config in etcd: {@link stargate.controller.write.ConfigService} queues
 * every write (API, GitOps, rollback) to one committing thread, validates it against its copy of the
 * config ({@link stargate.controller.write.ObjectChecks} for single objects, the whole config for
 * whole-config writes) and commits in fenced, group-committed transactions (or a staged apply).
 * Used by the admin API and by GitOps; depends on neither.
 */
package stargate.controller.write;
