package stargate.model.telemetry;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;

/**
 * The JVM's and the process's meters under the names the Prometheus Java client and its dashboards use
 * ({@code jvm_memory_used_bytes{area}}, {@code jvm_threads_current}, {@code process_cpu_seconds_total}...),
 * read from the platform MXBeans at scrape time, on the node's and the controller's {@code /metrics}. Replaces
 * Helidon's system meters, whose camelCase names ({@code memory_usedHeap_bytes}) and {@code _count} gauges
 * {@code promtool check metrics} refuses.
 */
public final class JvmMetrics {
    private JvmMetrics() {
    }

    /** Appends the JVM's meters, read now, to {@code out} as Prometheus text (format 0.0.4). */
    public static void write(StringBuilder text) {
        PrometheusText out = new PrometheusText(text);
        var memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        out.family("jvm_memory_used_bytes", "gauge", "Memory in use, by area")
                .sample("jvm_memory_used_bytes", heap.getUsed(), "area", "heap")
                .sample("jvm_memory_used_bytes", nonHeap.getUsed(), "area", "nonheap");
        out.family("jvm_memory_committed_bytes", "gauge", "Memory committed by the JVM, by area")
                .sample("jvm_memory_committed_bytes", heap.getCommitted(), "area", "heap")
                .sample("jvm_memory_committed_bytes", nonHeap.getCommitted(), "area", "nonheap");
        out.family("jvm_memory_max_bytes", "gauge", "Most memory the area may use (-1: no limit)")
                .sample("jvm_memory_max_bytes", heap.getMax(), "area", "heap")
                .sample("jvm_memory_max_bytes", nonHeap.getMax(), "area", "nonheap");

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        out.gauge("jvm_threads_current", "Platform threads alive", threads.getThreadCount());
        out.gauge("jvm_threads_daemon", "Daemon platform threads alive", threads.getDaemonThreadCount());
        out.gauge("jvm_threads_peak", "Most platform threads alive at once", threads.getPeakThreadCount());

        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        out.gauge("jvm_classes_currently_loaded", "Classes loaded now", classes.getLoadedClassCount());
        out.counter("jvm_classes_loaded_total", "Classes loaded since start", classes.getTotalLoadedClassCount());
        out.counter("jvm_classes_unloaded_total", "Classes unloaded since start", classes.getUnloadedClassCount());

        out.family("jvm_gc_collection_seconds", "summary", "Time spent in collections, by collector");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            out.sample("jvm_gc_collection_seconds_count", Math.max(0, gc.getCollectionCount()), "gc", gc.getName());
            out.sample("jvm_gc_collection_seconds_sum", Math.max(0, gc.getCollectionTime()) / 1e3, "gc", gc.getName());
        }

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            out.family("process_cpu_seconds_total", "counter", "CPU time used by the process")
                    .sample("process_cpu_seconds_total", sun.getProcessCpuTime() / 1e9);
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            out.gauge("process_open_fds", "Open file descriptors", unix.getOpenFileDescriptorCount());
            out.gauge("process_max_fds", "Most file descriptors the process may open", unix.getMaxFileDescriptorCount());
        }
        out.family("process_start_time_seconds", "gauge", "Start time of the process, in seconds since the epoch")
                .sample("process_start_time_seconds", ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3);
        out.gauge("jvm_available_processors", "Processors available to the JVM", os.getAvailableProcessors());
        out.family("system_load_average_1m", "gauge", "The system's load average over the last minute")
                .sample("system_load_average_1m", os.getSystemLoadAverage());
    }
}
