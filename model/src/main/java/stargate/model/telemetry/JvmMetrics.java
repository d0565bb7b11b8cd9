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
    public static void write(StringBuilder out) {
        var memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        header(out, "jvm_memory_used_bytes", "gauge", "Memory in use, by area");
        out.append("jvm_memory_used_bytes{area=\"heap\"} ").append(heap.getUsed()).append('\n');
        out.append("jvm_memory_used_bytes{area=\"nonheap\"} ").append(nonHeap.getUsed()).append('\n');
        header(out, "jvm_memory_committed_bytes", "gauge", "Memory committed by the JVM, by area");
        out.append("jvm_memory_committed_bytes{area=\"heap\"} ").append(heap.getCommitted()).append('\n');
        out.append("jvm_memory_committed_bytes{area=\"nonheap\"} ").append(nonHeap.getCommitted()).append('\n');
        header(out, "jvm_memory_max_bytes", "gauge", "Most memory the area may use (-1: no limit)");
        out.append("jvm_memory_max_bytes{area=\"heap\"} ").append(heap.getMax()).append('\n');
        out.append("jvm_memory_max_bytes{area=\"nonheap\"} ").append(nonHeap.getMax()).append('\n');

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        gauge(out, "jvm_threads_current", "Platform threads alive", threads.getThreadCount());
        gauge(out, "jvm_threads_daemon", "Daemon platform threads alive", threads.getDaemonThreadCount());
        gauge(out, "jvm_threads_peak", "Most platform threads alive at once", threads.getPeakThreadCount());

        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        gauge(out, "jvm_classes_currently_loaded", "Classes loaded now", classes.getLoadedClassCount());
        counter(out, "jvm_classes_loaded_total", "Classes loaded since start", classes.getTotalLoadedClassCount());
        counter(out, "jvm_classes_unloaded_total", "Classes unloaded since start", classes.getUnloadedClassCount());

        header(out, "jvm_gc_collection_seconds", "summary", "Time spent in collections, by collector");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String label = "{gc=\"" + gc.getName().replace("\\", "\\\\").replace("\"", "\\\"") + "\"} ";
            out.append("jvm_gc_collection_seconds_count").append(label).append(Math.max(0, gc.getCollectionCount()))
                    .append('\n');
            out.append("jvm_gc_collection_seconds_sum").append(label).append(Math.max(0, gc.getCollectionTime()) / 1e3)
                    .append('\n');
        }

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            header(out, "process_cpu_seconds_total", "counter", "CPU time used by the process");
            out.append("process_cpu_seconds_total ").append(sun.getProcessCpuTime() / 1e9).append('\n');
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            gauge(out, "process_open_fds", "Open file descriptors", unix.getOpenFileDescriptorCount());
            gauge(out, "process_max_fds", "Most file descriptors the process may open", unix.getMaxFileDescriptorCount());
        }
        header(out, "process_start_time_seconds", "gauge", "Start time of the process, in seconds since the epoch");
        out.append("process_start_time_seconds ").append(ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3)
                .append('\n');
        gauge(out, "jvm_available_processors", "Processors available to the JVM", os.getAvailableProcessors());
        header(out, "system_load_average_1m", "gauge", "The system's load average over the last minute");
        out.append("system_load_average_1m ").append(os.getSystemLoadAverage()).append('\n');
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        header(out, name, "gauge", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        header(out, name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }
}
