package stargate.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * How many sockets a client listener may hold: never so many that the two client listeners together run the
 * process out of file descriptors, which would end Helidon's accept loop for good.
 */
class AcceptLimitTest {
    @Test
    void twiceTheConnectionLimitWhileTheFileLimitAllows() {
        assertEquals(40_000, Listeners.acceptLimit(20_000, 1_048_576));
        assertEquals(40_000, Listeners.acceptLimit(20_000, -1), "no file limit known: the connection limit's");
    }

    @Test
    void neverMoreThanThreeEighthsOfTheFileLimit() {
        assertEquals(24_576, Listeners.acceptLimit(20_000, 65_536), "systemd unit's LimitNOFILE");
        assertEquals(7_500, Listeners.acceptLimit(20_000, 20_000));
        assertEquals(384, Listeners.acceptLimit(20_000, 1_024));
        assertEquals(1, Listeners.acceptLimit(20_000, 2));
    }
}
