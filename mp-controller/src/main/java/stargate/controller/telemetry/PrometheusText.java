package stargate.controller.telemetry;

/** Prometheus text exposition 0.0.4, written by hand: a family header, then its samples. */
public final class PrometheusText {
    private final StringBuilder out;

    PrometheusText(StringBuilder out) {
        this.out = out;
    }

    /** The {@code # HELP} and {@code # TYPE} lines of a family. */
    public PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * One sample.
     *
     * @param labels label names and values, alternating; values are escaped here
     */
    public PrometheusText sample(String name, long value, String... labels) {
        out.append(name);
        for (int i = 0; i < labels.length; i += 2) {
            out.append(i == 0 ? '{' : ',').append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
        }
        if (labels.length > 0) {
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    /** A label value as the exposition format wants it: backslash, quote and newline escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
