package stargate.controller.telemetry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import stargate.controller.gitops.GitOps;
import stargate.controller.store.EtcdStore;
import stargate.model.telemetry.JvmMetrics;

/**
 * The controller's {@code /metrics} (Prometheus text 0.0.4, lint-clean under {@code promtool check metrics}):
 * admin writes by kind and result, the newest config revision in etcd ({@code stargate_config_revision}, SPEC §11,
 * the revision nodes converge to; labelled {@code component="controller"} so a rule tells it from the nodes' own,
 * which may be higher: a node that read the whole config reports etcd's header revision), whether etcd answers,
 * the GitOps sync status, and the JVM's meters under conventional names ({@link JvmMetrics}). Served by
 * {@link MetricsEndpoint}.
 *
 * <p>Written by hand rather than by Helidon MP's metrics: its built-in meters are camelCase
 * ({@code memory_usedHeap_bytes}) with {@code _count} gauges, which Prometheus' own linter refuses. Like the
 * MP endpoint it replaces, it needs no credentials (no config data in it), so a Prometheus scrapes it as is.
 */
@ApplicationScoped
public class ControllerMetrics {
    static final String WRITES = "stargate_controller_writes_total";
    static final String CONFIG_REVISION = "stargate_config_revision";
    static final String ETCD_CONNECTED = "stargate_etcd_connected";
    static final String GITOPS_SYNC = "stargate_gitops_sync_status";
    /** The sync states {@code GET /gitops/status} reports; each is written, 1 for the current one. */
    static final List<String> SYNC_STATES = List.of("Synced", "OutOfSync", "Failed", "Unknown");
    /** Short: a scrape must answer well within Prometheus' scrape timeout (10 s by default) while etcd is down. */
    static final Duration ETCD_WAIT = Duration.ofSeconds(1);

    private static final Comparator<List<String>> BY_KIND_THEN_RESULT =
            Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1));

    @Inject
    EtcdStore store;
    @Inject
    Instance<GitOps> gitops;

    /** {@code kind, result} → count; both labels come from fixed sets (kinds, problem slugs). */
    private final Map<List<String>, LongAdder> writes = new ConcurrentHashMap<>();

    /** Counts one admin write by object kind and result ({@code ok}, {@code dry_run}, or a problem slug). */
    public void write(String kind, String result) {
        writes.computeIfAbsent(List.of(kind, result), k -> new LongAdder()).increment();
    }

    /** Every meter, read now. */
    String text() {
        StringBuilder out = new StringBuilder(8192);
        JvmMetrics.write(out);
        header(out, WRITES, "counter", "Admin API writes, by object kind and result");
        writes.entrySet().stream().sorted(Map.Entry.comparingByKey(BY_KIND_THEN_RESULT))
                .forEach(e -> out.append(WRITES).append("{kind=\"").append(escape(e.getKey().get(0)))
                        .append("\",result=\"").append(escape(e.getKey().get(1))).append("\"} ")
                        .append(e.getValue().sum()).append('\n'));
        OptionalLong fence = store.fenceRevision(ETCD_WAIT);
        header(out, ETCD_CONNECTED, "gauge", "1 while etcd answers a read within 1 s, else 0");
        out.append(ETCD_CONNECTED).append(' ').append(fence.isPresent() ? 1 : 0).append('\n');
        if (fence.isPresent()) {
            header(out, CONFIG_REVISION, "gauge", "etcd revision of the newest config write (what nodes converge to)");
            out.append(CONFIG_REVISION).append("{component=\"controller\"} ").append(fence.getAsLong()).append('\n');
        }
        if (gitops.isResolvable()) {
            gitops.get().lastSync().ifPresent(sync -> {
                header(out, GITOPS_SYNC, "gauge",
                        "GitOps sync status as of this controller's last pass: 1 for the current one of Synced, OutOfSync, Failed, Unknown");
                String labels = "repo=\"" + escape(sync.repo()) + "\",branch=\"" + escape(sync.branch()) + "\",path=\""
                        + escape(sync.path()) + "\",status=\"";
                SYNC_STATES.forEach(state -> out.append(GITOPS_SYNC).append('{').append(labels).append(state).append("\"} ")
                        .append(state.equals(sync.status()) ? 1 : 0).append('\n'));
            });
        }
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A label value as the exposition format wants it: backslash, quote and newline escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
