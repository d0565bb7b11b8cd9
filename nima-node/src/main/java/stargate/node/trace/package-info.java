/**
 * OpenTelemetry tracing of the data plane (SPEC §17): a SERVER span per request, a CLIENT span per
 * upstream attempt, exported over OTLP by a bounded queue that never blocks a request. Off (no endpoint),
 * {@link stargate.node.trace.Tracing#on()} is false and the request path makes no tracing call at all.
 */
package stargate.node.trace;
