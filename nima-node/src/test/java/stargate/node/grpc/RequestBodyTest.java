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
        byte[] buffer = new byte[16 * 1024];
        assertEquals(message.length, body.readFully(buffer));
        assertTrue(body.ended());
        assertTrue(body.replayable());
        assertArrayEquals(message, body.earlier());
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
