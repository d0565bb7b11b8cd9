/**
 * The admin API ({@code /api/v1}, SPEC §9) as JAX-RS resources over the etcd store. Entry class:
 * {@link stargate.controller.api.ConfigService}, the one write path (snapshot, propose, validate
 * the whole config, diff, fenced commit); the resources only parse and render. Errors are RFC 9457
 * problem details ({@link stargate.controller.api.ProblemMapper}).
 */
package stargate.controller.api;
