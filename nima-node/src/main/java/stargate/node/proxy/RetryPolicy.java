package stargate.node.proxy;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import stargate.model.Route;

/**
 * A route's {@code retries}, compiled once per config: which failures and statuses are retried, for
 * which methods, and how many extra attempts at most.
 *
 * <p>Conditions: {@code connect-failure} retries a target that could not be reached; {@code timeout} one
 * that made no progress for the read timeout; a status code retries an upstream response with that status
 * and also a failure the gateway itself would answer with it (so {@code 502} covers a connection reset or
 * a malformed response, {@code 504} a timeout, {@code 503} a saturated pool). Whether a retry is safe (the
 * request body not consumed, nothing sent to the client) and affordable ({@link RetryBudget}) is decided
 * by the caller.
 */
public final class RetryPolicy {
    /** No retries: a route without {@code retries}. */
    public static final RetryPolicy NONE = new RetryPolicy(0, false, false, new BitSet(), Set.of());

    private final int attempts;
    private final boolean onConnectFailure;
    private final boolean onTimeout;
    private final BitSet statuses;
    private final Set<String> methods;

    private RetryPolicy(int attempts, boolean onConnectFailure, boolean onTimeout, BitSet statuses,
                        Set<String> methods) {
        this.attempts = attempts;
        this.onConnectFailure = onConnectFailure;
        this.onTimeout = onTimeout;
        this.statuses = statuses;
        this.methods = methods;
    }

    /**
     * @param retries a validated {@code retries} block, or null
     * @throws IllegalArgumentException on a condition that is neither a keyword nor a status code
     */
    public static RetryPolicy of(Route.Retries retries) {
        if (retries == null || retries.attempts() <= 0) {
            return NONE;
        }
        boolean connect = false;
        boolean timeout = false;
        BitSet statuses = new BitSet(600);
        for (String condition : retries.on()) {
            switch (condition) {
                case "connect-failure" -> connect = true;
                case "timeout" -> timeout = true;
                default -> {
                    int status = parseStatus(condition);
                    statuses.set(status);
                }
            }
        }
        List<String> methods = retries.methods().stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
        return new RetryPolicy(retries.attempts(), connect, timeout, statuses, Set.copyOf(methods));
    }

    private static int parseStatus(String condition) {
        try {
            int status = Integer.parseInt(condition);
            if (status >= 100 && status <= 599) {
                return status;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("retry condition is not connect-failure, timeout or a status: " + condition);
    }

    /** @return extra attempts after the first; 0 for a method this policy does not retry */
    public int attempts(String method) {
        return methods.contains(method) ? attempts : 0;
    }

    /** @return whether an upstream response with {@code status} may be retried */
    public boolean retriesStatus(int status) {
        return statuses.get(status);
    }

    /** @return whether any status is retried (then a response must be looked at before it is sent) */
    /** Whether {@code on} lists {@code connect-failure} (gRPC calls retry only on that: nothing reached the target). */
    public boolean retriesConnectFailure() {
        return attempts > 0 && onConnectFailure;
    }

    public boolean retriesStatuses() {
        return !statuses.isEmpty();
    }

    /** @return whether {@code failure} is a listed condition; says nothing about the body or the budget */
    public boolean retries(UpstreamException failure) {
        return switch (failure.kind()) {
            case CONNECT_FAILED -> onConnectFailure;
            case TIMEOUT -> onTimeout || statuses.get(failure.kind().status());
            case BAD_RESPONSE, POOL_EXHAUSTED -> statuses.get(failure.kind().status());
        };
    }
}
