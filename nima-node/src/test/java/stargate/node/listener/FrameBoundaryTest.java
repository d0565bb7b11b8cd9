package stargate.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Where the drain's close frame may go: frame boundaries of RFC 6455 frames, however the bytes arrive. */
class FrameBoundaryTest {
    @Test
    void everyLengthEncodingEndsWhereTheFrameEnds() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<Integer> ends = new ArrayList<>();
        for (int length : new int[] {0, 5, 125, 126, 300, 65_535, 65_536, 70_000}) {
            stream.writeBytes(frame(length, false));
            ends.add(stream.size());
        }
        stream.writeBytes(frame(10, true));      // masked, as a client would send
        ends.add(stream.size());
        byte[] bytes = stream.toByteArray();

        WebSocketRelay.FrameBoundary boundary = new WebSocketRelay.FrameBoundary();
        assertTrue(boundary.atBoundary());
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {           // one byte at a time: the hardest split
            boundary.feed(bytes, i, 1);
            if (boundary.atBoundary()) {
                seen.add(i + 1);
            }
        }
        assertEquals(ends, seen, "between frames exactly where each frame ends");

        WebSocketRelay.FrameBoundary whole = new WebSocketRelay.FrameBoundary();
        whole.feed(bytes, 0, bytes.length - 3);
        assertFalse(whole.atBoundary(), "three bytes of the last frame still to come");
        whole.feed(bytes, bytes.length - 3, 3);
        assertTrue(whole.atBoundary());
    }

    @Test
    void aMalformedSixtyFourBitLengthIsNeverABoundary() {
        byte[] frame = {(byte) 0x82, 127, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 9, 9};
        WebSocketRelay.FrameBoundary boundary = new WebSocketRelay.FrameBoundary();
        boundary.feed(frame, 0, frame.length);
        assertFalse(boundary.atBoundary());
    }

    private static byte[] frame(int length, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x82);
        int mask = masked ? 0x80 : 0;
        if (length < 126) {
            out.write(mask | length);
        } else if (length <= 0xffff) {
            out.write(mask | 126);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(mask | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >> shift));
            }
        }
        if (masked) {
            out.writeBytes(new byte[] {1, 2, 3, 4});
        }
        out.writeBytes(new byte[length]);
        return out.toByteArray();
    }
}
