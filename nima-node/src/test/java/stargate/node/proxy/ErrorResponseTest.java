package stargate.node.proxy;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON error body parses back to exactly what went in, whatever the message holds. */
class ErrorResponseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"plain", "quote \" and backslash \\", "new\nline\ttab\u0000nul\u001f", "é ü 日本 😀",
                            "lone \ud800 surrogate", "</script><!--", "\u2028\u2029\u007f"})
    void anyMessageRoundTripsThroughAJsonParser(String message) throws Exception {
        String body = ErrorResponse.json(502, "bad_gateway", message, "id-1");
        assertTrue(body.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "pure printable ASCII: " + body);
        Map<?, ?> parsed = JSON.readValue(body, Map.class);
        assertEquals(Map.of("status", 502, "error", "bad_gateway", "message", message, "request_id", "id-1"), parsed);
    }

    @ParameterizedTest
    @ValueSource(ints = {404, 504})
    void aMissingMessageOrRequestIdIsNull(int status) throws Exception {
        Map<?, ?> parsed = JSON.readValue(ErrorResponse.json(status, "no_route", null, null), Map.class);
        assertEquals(status, parsed.get("status"));
        assertTrue(parsed.containsKey("message") && parsed.get("message") == null);
        assertTrue(parsed.containsKey("request_id") && parsed.get("request_id") == null);
    }
}
