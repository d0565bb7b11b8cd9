package stargate.node.listener;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import java.util.Base64;
import java.util.List;

/**
 * The {@code HTTP2-Settings} field of an {@code Upgrade: h2c} request (RFC 9113 §3.2, RFC 7540 §3.2.1): the
 * connection is upgraded only when there is exactly one, a base64url SETTINGS payload whose values a SETTINGS
 * frame could carry. Otherwise the request is served as HTTP/1.1, as the RFC asks ("MUST NOT upgrade"), where
 * Helidon 4.5's upgrader failed it with a 500 (no field, bad base64) or took values a SETTINGS frame could not
 * carry.
 */
final class H2cSettings {
    private static final HeaderName HTTP2_SETTINGS = HeaderNames.create("HTTP2-Settings");
    private static final int ENABLE_PUSH = 2;
    private static final int INITIAL_WINDOW_SIZE = 4;
    private static final int MAX_FRAME_SIZE = 5;

    private H2cSettings() {
    }

    static boolean usable(WritableHeaders<?> headers) {
        if (!headers.contains(HTTP2_SETTINGS)) {
            return false;
        }
        List<String> values = headers.get(HTTP2_SETTINGS).allValues();
        if (values.size() != 1) {
            return false;
        }
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(values.getFirst().trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (payload.length % 6 != 0) {
            return false;
        }
        for (int at = 0; at < payload.length; at += 6) {
            int id = (payload[at] & 0xff) << 8 | payload[at + 1] & 0xff;
            long value = (payload[at + 2] & 0xffL) << 24 | (payload[at + 3] & 0xff) << 16 | (payload[at + 4] & 0xff) << 8
                    | payload[at + 5] & 0xff;
            boolean valid = switch (id) {       // RFC 9113 §6.5.2; unknown settings are ignored
                case ENABLE_PUSH -> value <= 1;
                case INITIAL_WINDOW_SIZE -> value <= Integer.MAX_VALUE;
                case MAX_FRAME_SIZE -> value >= 16_384 && value <= 16_777_215;
                default -> true;
            };
            if (!valid) {
                return false;
            }
        }
        return true;
    }
}
