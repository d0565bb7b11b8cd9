package stargate.controller.telemetry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import stargate.model.telemetry.JvmMetrics;
import stargate.model.telemetry.PrometheusText;

/**
 * The controller's {@code /metrics} (Prometheus text 0.0.4, lint-clean under {@code promtool check metrics}):
 * the JVM's meters under conventional names ({@link JvmMetrics}), admin writes by kind and result, and what each
 * {@link MetricsSource} bean adds (etcd's state and the config revision, the GitOps sync status). Served by
 * {@link MetricsEndpoint}.
 *
 * <p>Written by hand rather than by Helidon MP's metrics: its built-in meters are camelCase
 * ({@code memory_usedHeap_bytes}) with {@code _count} gauges, which Prometheus' own linter refuses. Like the
 * MP endpoint it replaces, it needs no credentials (no config data in it), so a Prometheus scrapes it as is.
 */
@ApplicationScoped
public class ControllerMetrics {
    static final String WRITES = "stargate_controller_writes_total";

    private static final Comparator<List<String>> BY_KIND_THEN_RESULT =
            Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1));

    @Inject
    Instance<MetricsSource> sources;

    /** {@code kind, result} → count; both labels come from fixed sets (kinds, problem slugs). */
    private final Map<List<String>, LongAdder> writes = new ConcurrentHashMap<>();

    /** Counts one admin write by object kind and result ({@code ok}, {@code dry_run}, or a problem slug). */
    public void write(String kind, String result) {
        writes.computeIfAbsent(List.of(kind, result), k -> new LongAdder()).increment();
    }

    /** Every meter, read now; the sources in the order of their class names, so a scrape's text is stable. */
    String text() {
        StringBuilder text = new StringBuilder(8192);
        JvmMetrics.write(text);
        PrometheusText out = new PrometheusText(text);
        out.family(WRITES, "counter", "Admin API writes, by object kind and result");
        writes.entrySet().stream().sorted(Map.Entry.comparingByKey(BY_KIND_THEN_RESULT))
                .forEach(e -> out.sample(WRITES, e.getValue().sum(), "kind", e.getKey().get(0), "result", e.getKey().get(1)));
        sources.stream().sorted(Comparator.comparing(s -> s.getClass().getName()))
                .forEach(source -> source.writeMetrics(out));
        return text.toString();
    }
}
