package stargate.node.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A client's request body, read once across the tries of its call. What went up is kept, up to
 * {@link #REPLAY_LIMIT}, so that a try the target refused unprocessed (REFUSED_STREAM, GOAWAY) can send it
 * again on another connection or target; past that limit a refused try is final, as in Envoy and grpc-java,
 * which also buffer a bounded prefix for their transparent retries.
 *
 * <p>One thread reads at a time: a try reads only once the previous try's reader has ended (joined), which
 * is also what makes its reads visible to the next one.
 */
final class RequestBody {
    /** Bytes kept for a replay: a unary call's message, or a stream's first messages. */
    static final int REPLAY_LIMIT = 64 * 1024;
    /** The first buffer of {@link #readUpTo}: a unary message mostly fits, and it grows by doubling if not. */
    private static final int FIRST_READ = 1024;

    private final InputStream in;
    private byte[] kept = new byte[0];
    private volatile boolean replayable = true;
    private boolean ended;

    RequestBody(InputStream in) {
        this.in = in;
    }

    /** Reads up to {@code buffer.length} bytes (blocking like {@link InputStream#read}); -1 at the end. */
    int read(byte[] buffer) throws IOException {
        return keep(buffer, in.read(buffer));
    }

    /**
     * Reads up to {@code limit} bytes, all there are when the body is shorter: fewer than {@code limit} means the
     * body ended there. Reads into a buffer grown as needed (a unary call's message is mostly small), and the
     * bytes returned are the ones kept for a replay (the caller must not change them).
     */
    byte[] readUpTo(int limit) throws IOException {
        byte[] buffer = new byte[Math.min(limit, FIRST_READ)];
        int n = 0;
        while (n < limit) {
            if (n == buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(limit, n * 2));
            }
            int read = in.read(buffer, n, buffer.length - n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        byte[] bytes = n == buffer.length ? buffer : Arrays.copyOf(buffer, n);
        if (replayable && kept.length == 0 && n <= REPLAY_LIMIT) {
            kept = bytes;
        } else {
            keep(bytes, n);
        }
        if (n < limit) {
            end();
        }
        return bytes;
    }

    private int keep(byte[] buffer, int n) {
        if (n < 0) {
            end();
        } else if (replayable && kept.length + n <= REPLAY_LIMIT) {
            // copied per chunk: a gRPC body comes in few chunks, and most calls fit in the first
            int from = kept.length;
            kept = Arrays.copyOf(kept, from + n);
            System.arraycopy(buffer, 0, kept, from, n);
        } else {
            replayable = false;
            kept = new byte[0];
        }
        return n;
    }

    /** Closes the client's stream once all of it is read: Helidon then knows the body was consumed. */
    private void end() {
        ended = true;
        try {
            in.close();
        } catch (IOException e) {
            // all of it was read: nothing is lost
        }
    }

    /** The bytes earlier tries read, to send first on this one. */
    byte[] earlier() {
        return kept;
    }

    /** Whether the whole body has been read (so {@link #earlier()} is all of it). */
    boolean ended() {
        return ended;
    }

    /** Whether a refused try can be sent again: all it read is kept and the client's stream is intact. */
    boolean replayable() {
        return replayable;
    }

    /** The body can no longer be replayed (too big, or a read cut off mid-way). */
    void lose() {
        replayable = false;
    }
}
