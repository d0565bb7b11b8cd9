package stargate.node.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** W3C traceparent validation and continuation, and request-id sanity, without sockets. */
class TraceParentTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @ParameterizedTest
    @ValueSource(strings = {VALID, "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future-fields"})
    void acceptsVersion00AndLaterVersionsWithExtraFields(String value) {
        assertTrue(TraceParent.isValid(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
                            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    void rejectsMalformedOrZeroOrForbiddenValues(String value) {
        assertFalse(TraceParent.isValid(value));
    }

    @Test
    void continuingKeepsTraceAndFlagsAndDrawsANewSpan() {
        String next = TraceParent.next(VALID);
        assertTrue(TraceParent.isValid(next));
        assertEquals(VALID.substring(0, 36), next.substring(0, 36));
        assertNotEquals(VALID.substring(36, 52), next.substring(36, 52));
        assertEquals("01", next.substring(53));
    }

    @Test
    void mintedTracesAreValidSampledAndDistinct() {
        String a = TraceParent.next(null);
        String b = TraceParent.next(null);
        assertTrue(TraceParent.isValid(a) && TraceParent.isValid(b));
        assertTrue(a.endsWith("-01"));
        assertNotEquals(a.substring(3, 35), b.substring(3, 35));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "tab\there", "é"})
    void insaneRequestIdsAreReplaced(String id) {
        assertFalse(RequestId.isSane(id));
        assertFalse(RequestId.isSane("x".repeat(129)));
        assertTrue(RequestId.isSane("abc-123_XYZ.~"));
        assertTrue(RequestId.generate().matches("[0-9a-f]{32}"));
    }

    @Test
    void hexDigitsAreWrittenMostSignificantFirst() {
        byte[] out = new byte[18];
        Hex.put(out, 1, 0x0123456789abcdefL);
        assertEquals("0123456789abcdef", new String(out, 1, 16, java.nio.charset.StandardCharsets.US_ASCII));
        Hex.put(out, 1, -1L);
        assertEquals("ffffffffffffffff", Hex.text(out).substring(1, 17));
        assertEquals(0, out[0]);
        assertEquals(0, out[17]);
    }
}
