package stargate.model.telemetry;

/**
 * Prometheus text exposition (format 0.0.4) written by hand, as the node's and the controller's {@code /metrics}
 * are: a family's {@code # HELP} and {@code # TYPE} lines, then its samples, label values escaped.
 */
public final class PrometheusText {
    private final StringBuilder out;

    public PrometheusText(StringBuilder out) {
        this.out = out;
    }

    /** The {@code # HELP} and {@code # TYPE} lines of a family. */
    public PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A family of one unlabelled gauge. */
    public PrometheusText gauge(String name, String help, long value) {
        return family(name, "gauge", help).sample(name, value);
    }

    /** A family of one unlabelled counter. */
    public PrometheusText counter(String name, String help, long value) {
        return family(name, "counter", help).sample(name, value);
    }

    /**
     * One sample.
     *
     * @param labels label names and values, alternating; values are escaped here
     */
    public PrometheusText sample(String name, long value, String... labels) {
        labels(name, labels).append(value).append('\n');
        return this;
    }

    /** One sample of a fractional value (seconds, ratios). */
    public PrometheusText sample(String name, double value, String... labels) {
        labels(name, labels).append(value).append('\n');
        return this;
    }

    private StringBuilder labels(String name, String[] labels) {
        out.append(name);
        for (int i = 0; i < labels.length; i += 2) {
            out.append(i == 0 ? '{' : ',').append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
        }
        return out.append(labels.length > 0 ? "} " : " ");
    }

    /** A label value as the exposition format wants it: backslash, quote and newline escaped. */
    public static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
