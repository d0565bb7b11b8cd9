/**
 * Telemetry shared by the node and the controller: tracing settings (SPEC §17: the {@code --otlp-*},
 * {@code --trace-sample-rate} and {@code --service-name} flags over the standard {@code OTEL_*} variables;
 * each side builds its OpenTelemetry SDK from a {@link stargate.model.telemetry.TracingOptions}), the JVM's
 * meters under conventional Prometheus names ({@link stargate.model.telemetry.JvmMetrics}), and logs,
 * {@code --log-format text|json} ({@link stargate.model.telemetry.LogFormat}, written by
 * {@link stargate.model.telemetry.JsonLogFormatter}; each side hands in its current span). Plain Java and Jackson.
 */
package stargate.model.telemetry;
