/**
 * {@link stargate.controller.problem.ApiProblem}: a failed request with its status, problem type and
 * every error with its path, thrown by the write path, GitOps and the resources alike, and answered
 * as RFC 9457 problem details by the admin API.
 */
package stargate.controller.problem;
