/**
 * Tracing settings shared by the node and the controller (SPEC §17): the {@code --otlp-*},
 * {@code --trace-sample-rate} and {@code --service-name} flags over the standard {@code OTEL_*} variables.
 * Plain Java: each side builds its OpenTelemetry SDK from a {@link stargate.model.telemetry.TracingOptions}.
 */
package stargate.model.telemetry;
