package stargate.controller.api;

import java.util.List;
import stargate.controller.audit.Actor;
import stargate.controller.gitops.GitOps;
import stargate.controller.history.History;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.controller.write.ConfigService;
import stargate.model.validate.ConfigError;

/**
 * Restoring the whole config as of a revision, as a new write (REST's {@code POST /rollback}, gRPC's
 * {@code Rollback}). Refused while GitOps applies (Git is the source of truth, as in Argo CD):
 * revert the commit, or suspend GitOps first.
 *
 * @param outcome  the write (or, for a dry run, what it would be)
 * @param restored the revision of the kept version restored
 */
public record Rollback(ConfigService.Outcome outcome, long restored) {

    /**
     * @throws ApiProblem 400 for a revision below 1, 404 when no version that old is kept, 409 while
     *                    GitOps applies or when the version cannot be restored exactly
     */
    public static Rollback to(long wanted, boolean dryRun, String principal, String address, ConfigService service,
                              EtcdStore store, GitOps gitops) {
        if (wanted <= 0) {
            throw ApiProblem.invalid("a rollback needs the revision to restore",
                    List.of(new ConfigError("revision", "required: a positive config revision (see history)")));
        }
        if (gitops.enabled() && !gitops.suspended()) {
            throw ApiProblem.conflict("GitOps is on, so Git is the source of truth and a rollback would be reverted: "
                    + "revert the commit in Git, or POST /api/v1/gitops/suspend first, then roll back", List.of());
        }
        long[] restored = new long[1];
        ConfigService.Outcome outcome = service.write(null, null, dryRun, Actor.rollback(principal, address, wanted), snapshot -> {
            History.Version version;
            try {
                version = History.restore(store, wanted, snapshot)
                        .orElseThrow(() -> ApiProblem.notFound("no kept config as of revision " + wanted
                                + " (older than the oldest history entry, or before any write)"));
            } catch (History.Inexact e) {
                throw ApiProblem.conflict(e.getMessage(), List.of());
            }
            if (version.config() == null) {
                throw ApiProblem.conflict("the config as of revision " + version.revision() + " was too large to keep a copy of; "
                        + "restore it from its export or from Git", List.of());
            }
            restored[0] = version.revision();
            return new ConfigService.Proposal(version.config(), List.of(), true);
        });
        return new Rollback(outcome, restored[0]);
    }
}
