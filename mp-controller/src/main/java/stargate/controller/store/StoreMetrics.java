package stargate.controller.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.OptionalLong;
import stargate.controller.telemetry.MetricsSource;
import stargate.model.telemetry.PrometheusText;

/**
 * Whether etcd answers, and the newest config revision in it ({@code stargate_config_revision}, SPEC §11, the
 * revision nodes converge to; labelled {@code component="controller"} so a rule tells it from the nodes' own,
 * which may be higher: a node that read the whole config reports etcd's header revision).
 */
@ApplicationScoped
public class StoreMetrics implements MetricsSource {
    /** Short: a scrape must answer well within Prometheus' scrape timeout (10 s by default) while etcd is down. */
    static final Duration ETCD_WAIT = Duration.ofSeconds(1);

    @Inject
    EtcdStore store;

    @Override
    public void writeMetrics(PrometheusText out) {
        OptionalLong fence = store.fenceRevision(ETCD_WAIT);
        out.family("stargate_etcd_connected", "gauge", "1 while etcd answers a read within 1 s, else 0")
                .sample("stargate_etcd_connected", fence.isPresent() ? 1 : 0);
        if (fence.isPresent()) {
            out.family("stargate_config_revision", "gauge", "etcd revision of the newest config write (what nodes converge to)")
                    .sample("stargate_config_revision", fence.getAsLong(), "component", "controller");
        }
    }
}
