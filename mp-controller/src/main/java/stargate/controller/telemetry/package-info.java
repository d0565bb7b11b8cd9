/**
 * The controller's OpenTelemetry spans (SPEC §17): a SERVER span per admin API request ({@link
 * stargate.controller.telemetry.ApiSpans}), a CLIENT span per etcd call and an INTERNAL span per GitOps pass,
 * so a config change can be followed from the API call to the etcd write. Same flags as the node.
 */
package stargate.controller.telemetry;
