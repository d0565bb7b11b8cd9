package stargate.node.listener;

import io.helidon.http.Header;
import io.helidon.http.Headers;

/**
 * The size of an HTTP/2 request's header section as HTTP/1.1 would carry it ({@code name: value\r\n}
 * per field), so {@code --max-header-size} means the same on both protocols.
 *
 * <p>Why decoded: HPACK lets a client send a field once and then refer to it with one byte, so a header
 * block within the encoded limit Helidon enforces ({@code max-header-list-size}) can decode to megabytes
 * (an "HPACK bomb"). Helidon's decoded fields share the table's strings, so the node holds little; this
 * check keeps such a section from being written to an upstream.
 */
final class HeaderSection {
    /** ": " and CRLF around each field on HTTP/1.1. */
    private static final int FIELD_OVERHEAD = 4;

    private HeaderSection() {
    }

    static long size(Headers headers) {
        long size = 0;
        for (Header header : headers) {
            int name = header.name().length() + FIELD_OVERHEAD;
            if (header.valueCount() == 1) {
                size += name + header.get().length();       // the usual field: no list of values made for it
                continue;
            }
            for (String value : header.allValues()) {
                size += name + value.length();
            }
        }
        return size;
    }
}
