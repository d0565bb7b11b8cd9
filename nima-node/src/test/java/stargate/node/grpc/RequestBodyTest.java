package stargate.node.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What a refused try can send again: all it read while that fits in the replay limit, nothing past it. */
class RequestBodyTest {
    @Test
    void aSmallBodyReadWholeIsKeptForAReplay() throws IOException {
        byte[] message = "a unary call's message".getBytes();
        RequestBody body = new RequestBody(new ByteArrayInputStream(message));
        assertArrayEquals(message, body.readUpTo(16 * 1024));
        assertTrue(body.ended());
        assertTrue(body.replayable());
        assertArrayEquals(message, body.earlier());
    }

    @Test
    void readingUpToALimitGrowsItsBufferAndStopsAtTheLimitWithoutEndingTheBody() throws IOException {
        byte[] stream = new byte[40_000];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = (byte) (i * 7);
        }
        RequestBody body = new RequestBody(new ByteArrayInputStream(stream));
        assertArrayEquals(Arrays.copyOf(stream, 16 * 1024), body.readUpTo(16 * 1024));
        assertFalse(body.ended(), "exactly the limit read: the rest is the pump's");
        byte[] rest = new byte[64 * 1024];
        assertEquals(stream.length - 16 * 1024, body.read(rest));
        assertEquals(-1, body.read(rest));
        assertTrue(body.ended());
        assertArrayEquals(stream, body.earlier(), "both reads kept, in order, for a replay");
    }

    @Test
    void chunksReadOneByOneAreKeptInOrderUpToTheLimitAndNotPastIt() throws IOException {
        byte[] stream = new byte[RequestBody.REPLAY_LIMIT + 1];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = (byte) i;
        }
        RequestBody body = new RequestBody(new ByteArrayInputStream(stream));
        byte[] buffer = new byte[1024];
        int read = 0;
        while (read < RequestBody.REPLAY_LIMIT) {
            read += body.read(buffer);
        }
        assertTrue(body.replayable(), "exactly the limit is kept");
        assertArrayEquals(Arrays.copyOf(stream, RequestBody.REPLAY_LIMIT), body.earlier());
        assertEquals(1, body.read(buffer));
        assertFalse(body.replayable(), "one byte past the limit: a refused try is final");
        assertEquals(-1, body.read(buffer));
        assertTrue(body.ended());
    }
}
