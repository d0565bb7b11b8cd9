package stargate.controller.gitops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import stargate.controller.telemetry.MetricsSource;
import stargate.model.telemetry.PrometheusText;

/** The GitOps sync status as of the last pass ({@code stargate_gitops_sync_status}); nothing when GitOps is off. */
@ApplicationScoped
public class GitOpsMetrics implements MetricsSource {
    static final String SYNC_STATUS = "stargate_gitops_sync_status";
    /** The sync states {@code GET /gitops/status} reports; each is written, 1 for the current one. */
    static final List<String> SYNC_STATES = List.of("Synced", "OutOfSync", "Failed", "Unknown");

    @Inject
    GitOps gitops;

    @Override
    public void writeMetrics(PrometheusText out) {
        gitops.lastSync().ifPresent(sync -> {
            out.family(SYNC_STATUS, "gauge",
                    "GitOps sync status as of this controller's last pass: 1 for the current one of Synced, OutOfSync, Failed, Unknown");
            SYNC_STATES.forEach(state -> out.sample(SYNC_STATUS, state.equals(sync.status()) ? 1 : 0,
                    "repo", sync.repo(), "branch", sync.branch(), "path", sync.path(), "status", state));
        });
    }
}
