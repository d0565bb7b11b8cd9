package stargate.controller.telemetry;

import stargate.model.telemetry.PrometheusText;

/**
 * A bean that adds its own meters to the controller's {@code /metrics}: each part of the controller reports
 * its state (etcd's, GitOps') without the metrics endpoint depending on that part.
 */
public interface MetricsSource {
    /** Writes this source's meters, read now; must answer well within a scrape's timeout. */
    void writeMetrics(PrometheusText out);
}
