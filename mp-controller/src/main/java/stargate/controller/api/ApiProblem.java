package stargate.controller.api;

import java.util.List;
import stargate.model.validate.ConfigError;

/**
 * A failed request, answered as RFC 9457 problem details ({@link ProblemMapper}). Thrown anywhere
 * below a resource; nothing has been written to etcd when it is thrown.
 */
public final class ApiProblem extends RuntimeException {
    private final int status;
    private final String slug;
    private final String title;
    private final List<ConfigError> errors;

    ApiProblem(int status, String slug, String title, String detail, List<ConfigError> errors) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    /** 400: the request body or the config it would produce is invalid; every error with its path. */
    static ApiProblem invalid(String detail, List<ConfigError> errors) {
        return new ApiProblem(400, "invalid-config", "Invalid config", detail, errors);
    }

    static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, "bad-request", "Bad request", detail, List.of());
    }

    static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "not-found", "Not found", detail, List.of());
    }

    static ApiProblem conflict(String detail, List<ConfigError> errors) {
        return new ApiProblem(409, "conflict", "Conflict", detail, errors);
    }

    static ApiProblem preconditionFailed(String detail) {
        return new ApiProblem(412, "precondition-failed", "Precondition failed", detail, List.of());
    }

    public int status() {
        return status;
    }

    /** The last part of the problem type URI, also the metric label of a failed write. */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
