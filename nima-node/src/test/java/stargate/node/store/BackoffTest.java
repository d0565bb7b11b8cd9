package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void eachDelayLiesInTheUpperHalfOfADoublingCeilingCappedAtTheMaximum() {
        Backoff backoff = new Backoff(new Random(42));
        long ceiling = Backoff.INITIAL.toMillis();
        for (int attempt = 0; attempt < 12; attempt++) {
            long delay = backoff.next().toMillis();
            assertTrue(delay >= ceiling / 2 && delay <= ceiling, "attempt " + attempt + ": " + delay + " ms, ceiling " + ceiling);
            ceiling = Math.min(ceiling * 2, Backoff.MAX.toMillis());
        }
        assertEquals(Backoff.MAX.toMillis(), ceiling);
    }

    @Test
    void delaysAreJitteredSoNodesDoNotRetryInLockstep() {
        Set<Duration> seen = new HashSet<>();
        Random random = new Random(7);
        for (int node = 0; node < 20; node++) {
            Backoff backoff = new Backoff(random);
            for (int i = 0; i < 6; i++) {
                backoff.next();
            }
            seen.add(backoff.next());
        }
        assertTrue(seen.size() > 10, "20 nodes after 7 failures drew " + seen.size() + " distinct delays");
    }

    @Test
    void resetStartsAgainFromTheInitialCeiling() {
        Backoff backoff = new Backoff(new Random(1));
        for (int i = 0; i < 10; i++) {
            backoff.next();
        }
        backoff.reset();
        assertTrue(backoff.next().compareTo(Backoff.INITIAL) <= 0);
    }
}
