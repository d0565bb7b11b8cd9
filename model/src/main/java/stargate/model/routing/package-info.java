/**
 * Route matching (SPEC §4): which route serves a request, why the others lose, and which routes
 * can never win. Entry class: {@link stargate.model.routing.RouteIndex} (built once per config,
 * then {@code match} on the hot path and {@code explain} for tools); shadowed-route detection for
 * validation: {@link stargate.model.routing.Shadowing}.
 */
package stargate.model.routing;
