package stargate.node.health;

import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import stargate.model.Upstream;

/**
 * An upstream's circuit breaker: Helidon's fault-tolerance {@link CircuitBreaker} fed with the outcome of
 * every attempt, so that an upstream failing most calls gets a rest instead of more load.
 *
 * <p>State machine (Helidon's): CLOSED counts results in a rolling window of the last {@code volume}
 * attempts; once the window is full and at least {@code failure_ratio} of it failed, it turns OPEN and
 * every call is refused for {@code open_for}; then HALF_OPEN lets one call through at a time (concurrent
 * ones are refused) until {@code half_open_successes} succeed in a row (CLOSED) or one fails (OPEN again).
 * Cost per call: a few atomic operations; the move to HALF_OPEN is a delayed task on Helidon's FT executor.
 *
 * <p>What counts as a failure is the caller's verdict (see {@code RetryLoop}); an exception thrown by
 * the attempt itself (the client went away) counts as neither, so it cannot open the circuit.
 */
public final class Circuit {
    /** The circuit of an upstream without {@code circuit_breaker}: always closed. */
    public static final Circuit NONE = new Circuit(null, null);

    private final CircuitBreaker breaker;
    private final Upstream.CircuitBreaker config;

    private Circuit(CircuitBreaker breaker, Upstream.CircuitBreaker config) {
        this.breaker = breaker;
        this.config = config;
    }

    /** @return a breaker for {@code config}, or {@link #NONE} when it is null */
    public static Circuit create(String upstreamId, Upstream.CircuitBreaker config) {
        if (config == null) {
            return NONE;
        }
        CircuitBreaker breaker = CircuitBreaker.builder()
                .name("upstream-" + upstreamId)
                .errorRatio((int) Math.round(config.failureRatio() * 100))
                .volume(config.volume())
                .delay(config.openFor())
                .successThreshold(config.halfOpenSuccesses())
                .applyOn(Set.of(AttemptFailed.class))
                .enableMetrics(false)
                .build();
        return new Circuit(breaker, config);
    }

    /** @return the config this breaker was built from; null for {@link #NONE} */
    public Upstream.CircuitBreaker config() {
        return config;
    }

    /**
     * Runs one attempt through the breaker.
     *
     * @param attempt runs the attempt and answers whether it failed
     * @return false, without running {@code attempt}, when the circuit refuses the call (open, or half-open
     *         with its trial call still running)
     */
    public boolean run(BooleanSupplier attempt) {
        if (breaker == null) {
            attempt.getAsBoolean();
            return true;
        }
        try {
            breaker.invoke(() -> {
                if (attempt.getAsBoolean()) {
                    throw AttemptFailed.INSTANCE;
                }
                return null;
            });
        } catch (CircuitBreakerOpenException e) {
            return false;
        } catch (AttemptFailed e) {
            // counted; the caller already holds the attempt's outcome
        }
        return true;
    }

    /** @return 0 closed, 1 half-open, 2 open (the {@code stargate_circuit_state} gauge) */
    public int stateCode() {
        return switch (state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    /** @return {@code closed}, {@code half_open} or {@code open} */
    public String stateName() {
        return state().name().toLowerCase(Locale.ROOT);
    }

    private CircuitBreaker.State state() {
        return breaker == null ? CircuitBreaker.State.CLOSED : breaker.state();
    }

    /** Tells the breaker an attempt failed; carries no stack trace (it is thrown on the request path). */
    private static final class AttemptFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final AttemptFailed INSTANCE = new AttemptFailed();

        private AttemptFailed() {
            super("upstream attempt failed", null, false, false);
        }
    }
}
