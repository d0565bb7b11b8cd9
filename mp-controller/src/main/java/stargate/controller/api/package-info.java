/**
 * The admin API ({@code /api/v1}, SPEC §9) as JAX-RS resources over the etcd store. Writes go
 * through {@link stargate.controller.write.ConfigService}, reads to the store; the resources only
 * parse and render. Errors are RFC 9457 problem details ({@link stargate.controller.api.ProblemMapper}).
 */
package stargate.controller.api;
