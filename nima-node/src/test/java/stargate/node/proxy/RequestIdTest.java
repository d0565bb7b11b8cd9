package stargate.node.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request-id sanity and the hex digits of generated ids, without sockets. */
class RequestIdTest {
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
