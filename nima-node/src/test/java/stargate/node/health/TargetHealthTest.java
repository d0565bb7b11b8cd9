package stargate.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.Upstream;

/** The target state machine, driven with explicit times (no sockets, no sleeping). */
class TargetHealthTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Upstream.ActiveCheck CHECK =
            new Upstream.ActiveCheck("http", "/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3, null);
    private static final PassivePolicy PASSIVE = PassivePolicy.of(new Upstream.HealthCheck(null,
            new Upstream.PassiveCheck(List.of(502, 503), 3, Duration.ofSeconds(30))));

    private static TargetHealth.CheckResult probe(boolean success) {
        return new TargetHealth.CheckResult(success, success ? "status 200" : "status 503", Instant.EPOCH);
    }

    @Test
    void aTargetStartsHealthy() {
        TargetHealth health = new TargetHealth("up http://t");
        assertTrue(health.eligible(0));
        assertNull(health.lastCheck());
    }

    @Test
    void activeChecksNeedConsecutiveFailuresToMarkUnhealthyAndConsecutiveSuccessesToRecover() {
        TargetHealth health = new TargetHealth("up http://t");
        health.recordProbe(probe(false), CHECK);
        health.recordProbe(probe(false), CHECK);
        health.recordProbe(probe(true), CHECK);        // breaks the streak
        health.recordProbe(probe(false), CHECK);
        health.recordProbe(probe(false), CHECK);
        assertTrue(health.eligible(0), "only two failures in a row so far");
        health.recordProbe(probe(false), CHECK);
        assertFalse(health.eligible(0));
        assertEquals("status 503", health.lastCheck().detail());

        health.recordProbe(probe(true), CHECK);
        assertFalse(health.eligible(0), "one success of the two needed");
        health.recordProbe(probe(true), CHECK);
        assertTrue(health.eligible(0));
    }

    @Test
    void passiveFailuresInARowEjectForTheEjectionTime() {
        TargetHealth health = new TargetHealth("up http://t");
        health.recordExchange(true, PASSIVE, 0);
        health.recordExchange(true, PASSIVE, 0);
        health.recordExchange(false, PASSIVE, 0);      // a success resets the count
        health.recordExchange(true, PASSIVE, 0);
        health.recordExchange(true, PASSIVE, 0);
        assertTrue(health.eligible(0));
        health.recordExchange(true, PASSIVE, SECOND);
        assertFalse(health.eligible(SECOND));
        assertTrue(health.ejected(30 * SECOND));
        assertTrue(health.eligible(31 * SECOND), "eligible again once the ejection ends");
    }

    @Test
    void anEjectedTargetIsOnProbationWhenItComesBack() {
        TargetHealth health = new TargetHealth("up http://t");
        for (int i = 0; i < 3; i++) {
            health.recordExchange(true, PASSIVE, 0);
        }
        long back = 31 * SECOND;
        assertTrue(health.eligible(back));
        health.recordExchange(true, PASSIVE, back);
        assertFalse(health.eligible(back), "one failure on probation ejects again");
        assertTrue(health.eligible(back + 31 * SECOND));

        health.recordExchange(false, PASSIVE, back + 31 * SECOND);
        health.recordExchange(true, PASSIVE, back + 31 * SECOND);
        assertTrue(health.eligible(back + 31 * SECOND), "a success ended the probation");
    }

    @Test
    void recoveringUnderActiveChecksLiftsAnEjection() {
        TargetHealth health = new TargetHealth("up http://t");
        for (int i = 0; i < 3; i++) {
            health.recordProbe(probe(false), CHECK);
            health.recordExchange(true, PASSIVE, 0);
        }
        assertFalse(health.eligible(SECOND));
        health.recordProbe(probe(true), CHECK);
        health.recordProbe(probe(true), CHECK);
        assertTrue(health.eligible(SECOND), "healthy by probes and no longer ejected");
    }

    @Test
    void removingTheChecksMakesTheTargetEligible() {
        TargetHealth health = new TargetHealth("up http://t");
        for (int i = 0; i < 3; i++) {
            health.recordProbe(probe(false), CHECK);
        }
        health.activeChecksRemoved();
        assertTrue(health.eligible(0));
        assertNull(health.lastCheck());
        for (int i = 0; i < 3; i++) {
            health.recordExchange(true, PASSIVE, 0);
        }
        health.passiveChecksRemoved();
        assertTrue(health.eligible(0));
    }

    @Test
    void passivePolicyCountsListedStatusesAndConnectFailuresButNeverASaturatedPool() {
        assertTrue(PASSIVE.failedStatus(503));
        assertFalse(PASSIVE.failedStatus(500));
        assertTrue(PASSIVE.failedExchange(502, false, false), "a reset is answered 502, which is listed");
        assertFalse(PASSIVE.failedExchange(504, false, false), "504 is not listed here");
        assertTrue(PASSIVE.failedExchange(502, true, false));
        assertFalse(PASSIVE.failedExchange(503, false, true));
        assertNull(PassivePolicy.of(null));
    }
}
