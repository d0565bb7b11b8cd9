package stargate.node.listener;

import io.helidon.common.buffers.BufferData;
import java.nio.charset.StandardCharsets;

/**
 * Follows the frames a client sends on an HTTP/2 connection, as the bytes pass to Helidon, for what
 * Helidon 4.5 leaves unbounded (docs/http2.md): a header block is held open by
 * CONTINUATION frames that Helidon keeps in a list without counting them when they are empty
 * (CVE-2024-27316's class), and a header block that never ends holds the connection (no other stream
 * can proceed) with no deadline. Rapid reset, empty DATA floods, too many streams and oversized header
 * blocks are Helidon's own checks (Listeners#http2).
 *
 * <p>Sniffs the first bytes of a connection (and of an h2c upgrade): only a connection that starts with
 * the HTTP/2 preface is followed. Not thread-safe: used by the connection's reading thread, read by the
 * watchdog through the volatile fields.
 */
final class Http2FrameWatch {
    /**
     * CONTINUATION frames one header block may have. A client splits a block into frames of up to the
     * 16 KiB frame size, and a block is at most --max-header-size; nghttp2 allows 8 as well.
     */
    static final int MAX_CONTINUATIONS = 8;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADERS = 1;
    private static final int CONTINUATION = 9;
    private static final int END_HEADERS = 0x4;
    private static final int GOAWAY = 7;

    private enum State { SNIFF, FRAMES, OFF }

    private State state = State.SNIFF;
    private int prefaceSeen;
    private final byte[] head = new byte[9];
    private int headFilled;
    private long payloadLeft;
    private int continuations;
    private volatile int lastCompleteStream;
    /** When the open header block began (nanoTime), or 0 when none is open. */
    private volatile long headerBlockSince;
    /** Why the connection must end, once the client broke a bound; null while it has not. */
    private volatile String violation;

    /** An h2c upgrade: the client's preface comes next. */
    void expectPreface() {
        state = State.SNIFF;
        prefaceSeen = 0;
    }

    /** Follows {@code bytes}, the next the client sent. */
    void scan(byte[] bytes) {
        int at = 0;
        while (at < bytes.length && state != State.OFF && violation == null) {
            if (state == State.SNIFF) {
                if (bytes[at] != PREFACE[prefaceSeen]) {
                    state = State.OFF;      // HTTP/1 (an h2c upgrade calls expectPreface)
                    return;
                }
                at++;
                if (++prefaceSeen == PREFACE.length) {
                    state = State.FRAMES;
                }
            } else if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, bytes.length - at);
                payloadLeft -= skip;
                at += skip;
            } else {
                int take = Math.min(head.length - headFilled, bytes.length - at);
                System.arraycopy(bytes, at, head, headFilled, take);
                headFilled += take;
                at += take;
                if (headFilled == head.length) {
                    headFilled = 0;
                    frame();
                }
            }
        }
    }

    private void frame() {
        payloadLeft = (head[0] & 0xffL) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        int type = head[3] & 0xff;
        int flags = head[4] & 0xff;
        int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
        if (type == HEADERS) {
            continuations = 0;
            if ((flags & END_HEADERS) == 0) {
                headerBlockSince = System.nanoTime();
            } else {
                lastCompleteStream = Math.max(lastCompleteStream, stream);
            }
        } else if (type == CONTINUATION && headerBlockSince != 0) {
            if (++continuations > MAX_CONTINUATIONS) {
                violation = "a header block of over " + MAX_CONTINUATIONS + " CONTINUATION frames";
            } else if ((flags & END_HEADERS) != 0) {
                headerBlockSince = 0;
                lastCompleteStream = Math.max(lastCompleteStream, stream);
            }
        }
    }

    /** Nanotime when the header block still open began, or 0. */
    long headerBlockSince() {
        return headerBlockSince;
    }

    /** The bound the client broke, or null. */
    String violation() {
        return violation;
    }

    /** A GOAWAY frame with {@code errorCode}, naming the last stream whose headers were complete. */
    BufferData goAway(int errorCode) {
        byte[] frame = new byte[17];
        frame[2] = 8;
        frame[3] = GOAWAY;
        int last = lastCompleteStream;
        byte[] payload = {(byte) (last >>> 24), (byte) (last >>> 16), (byte) (last >>> 8), (byte) last,
                (byte) (errorCode >>> 24), (byte) (errorCode >>> 16), (byte) (errorCode >>> 8), (byte) errorCode};
        System.arraycopy(payload, 0, frame, 9, 8);
        return BufferData.create(frame);
    }
}
