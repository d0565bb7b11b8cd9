package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.enterprise.inject.spi.CDI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.controller.TestController;

/**
 * Log entries of events that write no config (a rollout's start and end) are capped after each write: a loop
 * of them with no config write between cannot grow the audit log without end (it trims by write number).
 */
class EventCapTest {
    private static final String P = TestController.PREFIX;

    @Test
    void pastTheCapEachNewEventDropsTheOldestAfterTheSameWrite() throws Exception {
        TestController controller = TestController.get();
        controller.clear();
        EtcdStore store = CDI.current().select(EtcdStore.class).get();
        int events = EtcdStore.MAX_EVENTS_PER_WRITE + 3;
        for (int i = 1; i <= events; i++) {
            String suffix = String.format("t-%06d", i);
            assertTrue(store.event(List.of(), Map.of(), List.of(), "audit", suffix, n -> "{\"event\":\"" + suffix + "\"}"));
        }
        String afterWrite = P + "/audit/" + EtcdStore.sequence(0) + "-";
        assertEquals(EtcdStore.MAX_EVENTS_PER_WRITE, controller.etcdCount(afterWrite));
        for (int dropped = 1; dropped <= 3; dropped++) {
            assertNull(controller.etcdValue(afterWrite + String.format("t-%06d", dropped)), "oldest dropped: " + dropped);
        }
        assertNotNull(controller.etcdValue(afterWrite + String.format("t-%06d", 4)));
        assertEquals("{\"event\":\"t-" + String.format("%06d", events) + "\"}",
                controller.etcdValue(afterWrite + String.format("t-%06d", events)));
    }
}
