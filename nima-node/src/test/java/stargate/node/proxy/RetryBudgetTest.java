package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.Route;

/** The retry budget and policy, with time passed in. */
class RetryBudgetTest {
    private static final long SECOND = 1_000_000_000L;

    private static int retriesGranted(RetryBudget budget, long now, int wanted) {
        int granted = 0;
        for (int i = 0; i < wanted; i++) {
            if (budget.tryRetry(now)) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void retriesAreCappedAtTheRatioOfRequestsPlusTheReserve() {
        RetryBudget budget = new RetryBudget();
        for (int i = 0; i < 1000; i++) {
            budget.onRequest(5 * SECOND);
        }
        int reserve = RetryBudget.MIN_PER_SECOND * RetryBudget.WINDOW_SECONDS;
        assertEquals(200 + reserve, retriesGranted(budget, 5 * SECOND, 10_000));
        assertFalse(budget.tryRetry(5 * SECOND));
    }

    @Test
    void aQuietUpstreamCanStillRetryFromTheReserve() {
        RetryBudget budget = new RetryBudget(0.2, 3);
        assertEquals(30, retriesGranted(budget, 0, 100));
    }

    @Test
    void spentRetriesLeaveTheWindowAfterItsLength() {
        RetryBudget budget = new RetryBudget(0.2, 1);
        assertEquals(10, retriesGranted(budget, 0, 100));
        assertFalse(budget.tryRetry(9 * SECOND), "still inside the 10 s window");
        assertEquals(10, retriesGranted(budget, 10 * SECOND, 100), "the window slid past them");
    }

    @Test
    void requestsEarnRetriesOnlyWhileInTheWindow() {
        RetryBudget budget = new RetryBudget(0.5, 0);
        for (int i = 0; i < 100; i++) {
            budget.onRequest(-3 * SECOND);         // nanoTime may be negative
        }
        assertEquals(25, retriesGranted(budget, 0, 25));
        assertEquals(25, retriesGranted(budget, 6 * SECOND, 100));
        assertEquals(0, retriesGranted(budget, 7 * SECOND, 100), "the requests left the window");
    }

    @Test
    void policyRetriesOnlyListedConditionsAndMethods() {
        RetryPolicy policy = RetryPolicy.of(new Route.Retries(2, List.of("connect-failure", "503"), null));
        assertEquals(2, policy.attempts("GET"));
        assertEquals(0, policy.attempts("POST"), "not idempotent, not listed");
        assertTrue(policy.retriesStatus(503));
        assertFalse(policy.retriesStatus(502));
        assertTrue(policy.retriesStatuses());
        assertTrue(policy.retries(failure(UpstreamException.Kind.CONNECT_FAILED)));
        assertFalse(policy.retries(failure(UpstreamException.Kind.TIMEOUT)));
        assertFalse(policy.retries(failure(UpstreamException.Kind.BAD_RESPONSE)));
        assertTrue(policy.retries(failure(UpstreamException.Kind.POOL_EXHAUSTED)), "the gateway answers it 503");

        RetryPolicy onTimeout = RetryPolicy.of(new Route.Retries(1, List.of("timeout", "502"), List.of("POST")));
        assertEquals(1, onTimeout.attempts("POST"));
        assertTrue(onTimeout.retries(failure(UpstreamException.Kind.TIMEOUT)));
        assertTrue(onTimeout.retries(failure(UpstreamException.Kind.BAD_RESPONSE)), "a reset is answered 502");
        assertFalse(onTimeout.retries(failure(UpstreamException.Kind.CONNECT_FAILED)));
        assertEquals(0, RetryPolicy.of(null).attempts("GET"));
    }

    private static UpstreamException failure(UpstreamException.Kind kind) {
        return new UpstreamException(kind, "test", false, null);
    }
}
