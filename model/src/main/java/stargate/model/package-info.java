/**
 * The gateway's config model: immutable records for every object of SPEC §3, shared by the node,
 * the controller and the offline tool. Pure Java plus Jackson: no Helidon here.
 *
 * <p>Entry points: {@link stargate.model.GatewayConfig} (the whole config),
 * {@code stargate.model.codec.ConfigCodec} (YAML/JSON in and out, every error with its path),
 * {@code stargate.model.validate.ConfigValidator} (semantic checks),
 * {@code stargate.model.routing.RouteIndex} (the route matcher), {@code stargate.model.diff.ConfigDiff}.
 *
 * <p>Records normalise absent values in their compact constructors: lists and maps are never
 * null (empty and unmodifiable instead); nested optional sections (e.g. {@link Upstream#healthCheck()})
 * are null when not configured; scalar defaults are the SPEC's defaults.
 */
package stargate.model;
