package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import stargate.controller.store.EtcdStore;

/** {@code /health/ready}: UP while etcd answers a read within {@link #WAIT}. */
@Readiness
@ApplicationScoped
public class EtcdReadiness implements HealthCheck {
    /** Short: a readiness probe must answer well within its own timeout. */
    static final Duration WAIT = Duration.ofSeconds(1);

    @Inject
    EtcdStore store;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("etcd").status(store.reachable(WAIT)).build();
    }
}
