package stargate.node.listener;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalLong;

import io.helidon.webserver.http.ServerRequest;
import stargate.node.proxy.ForwardEdits;

/**
 * Reads a small request body whole before the first attempt, so that a retry can send it again
 * (SPEC §24): a POST answered 503 by one target can go to another. Only bodies with a Content-Length of
 * at most {@link #MAX_BYTES} are read ahead — at most that much heap per request in flight, like
 * nginx's client body buffer; anything larger or chunked streams from the client and is sent once.
 * Reading ahead also means no upstream connection is held while the client sends those bytes.
 */
final class ReplayableBody {
    static final int MAX_BYTES = 64 * 1024;

    private ReplayableBody() {
    }

    /**
     * @param edits the plugins' edits (their body limit applies); null when none ran
     * @return the body, or null when it is not small enough to read ahead
     * @throws UncheckedIOException when the client's body ends early or its read fails
     */
    static byte[] read(ServerRequest req, ForwardEdits edits) {
        OptionalLong length = req.headers().contentLength();
        if (length.isEmpty() || length.getAsLong() > MAX_BYTES
                || edits != null && edits.maxBodyBytes() >= 0 && length.getAsLong() > edits.maxBodyBytes()) {
            return null;
        }
        int expected = (int) length.getAsLong();
        try {
            byte[] body = ConnectionGuard.clientWatch().body(req.content().inputStream()).readNBytes(expected);
            if (body.length < expected) {
                throw new EOFException("client body ended " + (expected - body.length) + " bytes early");
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
