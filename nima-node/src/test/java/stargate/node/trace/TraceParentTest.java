package stargate.node.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The W3C {@code traceparent} a client sends is read strictly (an invalid one starts a new trace), without sockets. */
class TraceParentTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void readsAValidHeaderAndWritesItBack() {
        TraceParent.Parent parent = TraceParent.parse(VALID);
        assertEquals(0x4bf92f3577b34da6L, parent.traceIdHigh());
        assertEquals(0xa3ce929d0e0e4736L, parent.traceIdLow());
        assertEquals(0x00f067aa0ba902b7L, parent.spanId());
        assertEquals(true, parent.sampled());
        assertEquals(VALID, TraceParent.format(parent.traceIdHigh(), parent.traceIdLow(), parent.spanId(), 1));
        assertEquals(false, TraceParent.parse(VALID.substring(0, 53) + "00").sampled());
        assertEquals(true, TraceParent.parse(VALID.substring(0, 53) + "03").sampled(), "other flag bits are allowed");
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceParent.traceId(parent.traceIdHigh(), parent.traceIdLow()));
        assertEquals("00f067aa0ba902b7", TraceParent.spanId(parent.spanId()));
    }

    @Test
    void continuingKeepsTraceAndFlagsAndDrawsANewSpan() {
        String next = TraceParent.next(VALID);
        assertEquals(VALID.substring(0, 36), next.substring(0, 36));
        assertNotEquals(VALID.substring(36, 52), next.substring(36, 52));
        assertEquals("01", next.substring(53));
        assertEquals("03", TraceParent.next(VALID.substring(0, 53) + "03").substring(53), "flags pass as sent");
    }

    @Test
    void mintedTracesAreValidSampledAndDistinct() {
        String a = TraceParent.next(null);
        String b = TraceParent.next("00-garbage");
        assertNotNull(TraceParent.parse(a));
        assertNotNull(TraceParent.parse(b));
        assertTrue(a.endsWith("-01") && b.endsWith("-01"), "the gateway is the sampled root: " + a);
        assertNotEquals(a.substring(3, 35), b.substring(3, 35));
    }

    @Test
    void aLaterVersionMayCarryMoreFields() {
        assertEquals(0x00f067aa0ba902b7L, TraceParent.parse("01" + VALID.substring(2) + "-what-comes-next").spanId());
        assertEquals(0x00f067aa0ba902b7L, TraceParent.parse("01" + VALID.substring(2)).spanId());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",                // short
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",         // version 00 is exactly 55
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra",          // later version: '-' after 55
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",               // version ff is invalid
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",               // upper case
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",               // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",               // all-zero parent id
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",               // separator
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",               // not hex
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",               // a sign parseLong would take
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-x1",               // flags
    })
    void refusesWhatTheW3cFormatDoesNotAllow(String value) {
        assertNull(TraceParent.parse(value), value);
    }
}
