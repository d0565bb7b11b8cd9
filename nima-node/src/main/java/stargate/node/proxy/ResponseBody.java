package stargate.node.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;

/**
 * Streams an upstream response body to the client as it arrives, decoding its HTTP/1.1 framing;
 * the client side re-frames it (Helidon writes fixed length when Content-Length is set, else chunked).
 *
 * <p>Bytes go from the connection's input buffer straight to the client stream: no per-exchange
 * buffer and one copy. Flushing: the client stream is flushed just before a socket read that will
 * probably block (the previous read drained the socket: it returned less than the buffer could take),
 * so whatever a slow or streaming upstream (long polling, server-sent events) sent reaches the client
 * before the proxy waits for more, while a fast bulk transfer is not flushed per piece.
 */
final class ResponseBody {
    /** Longest chunk-size line (size, extensions, CRLF) accepted. */
    private static final int MAX_CHUNK_LINE = 1024;

    private ResponseBody() {
    }

    /**
     * Copies the whole body of {@code head} from {@code conn} to {@code client}.
     *
     * @throws EOFException      if the upstream closed before the framing said the body ends
     * @throws ProtocolException if the chunked framing is malformed
     */
    static void transfer(UpstreamConnection conn, ResponseHead head, OutputStream client) throws IOException {
        conn.beforeBlockingRead = client;
        try {
            switch (head.framing) {
                case NONE -> { }
                case LENGTH -> copy(conn, head.contentLength, client);
                case CHUNKED -> copyChunked(conn, client);
                case CLOSE -> copy(conn, Long.MAX_VALUE, client);
            }
        } finally {
            conn.beforeBlockingRead = null;
        }
    }

    /**
     * Reads a whole fixed-length body of {@code length} bytes into memory (the caller keeps this for
     * small bodies, so they reach the client in one write with their head).
     *
     * @throws EOFException if the upstream closed before the body's end
     */
    static byte[] readFixed(UpstreamConnection conn, int length) throws IOException {
        byte[] body = new byte[length];
        readFully(conn, body, 0, length);
        return body;
    }

    /**
     * Reads exactly {@code length} body bytes into {@code into} from {@code offset}.
     *
     * @throws EOFException if the upstream closed before the body's end
     */
    static void readFully(UpstreamConnection conn, byte[] into, int offset, int length) throws IOException {
        int filled = 0;
        while (filled < length) {
            int available = conn.awaitInput();
            if (available < 0) {
                throw new EOFException("upstream closed the connection " + (length - filled) + " bytes before the body's end");
            }
            int n = Math.min(available, length - filled);
            System.arraycopy(conn.in, conn.inPos, into, offset + filled, n);
            conn.inPos += n;
            filled += n;
        }
    }

    /** Copies {@code length} bytes, or until end of stream when {@code length} is {@link Long#MAX_VALUE}. */
    static void copy(UpstreamConnection conn, long length, OutputStream client) throws IOException {
        long remaining = length;
        while (remaining > 0) {
            int available = conn.awaitInput();
            if (available < 0) {
                if (length == Long.MAX_VALUE) {
                    return;
                }
                throw new EOFException("upstream closed the connection " + remaining + " bytes before the body's end");
            }
            int n = (int) Math.min(available, remaining);
            client.write(conn.in, conn.inPos, n);
            conn.inPos += n;
            remaining -= n;
        }
    }

    /** RFC 9112 §7.1: chunks of {@code size[;ext] CRLF data CRLF}, then {@code 0 CRLF}, trailers (dropped), CRLF. */
    private static void copyChunked(UpstreamConnection conn, OutputStream client) throws IOException {
        while (true) {
            long size = parseChunkSize(conn.readLine(MAX_CHUNK_LINE));
            if (size == 0) {
                int budget = ResponseHead.MAX_HEAD_BYTES;
                for (String trailer = conn.readLine(budget); !trailer.isEmpty(); trailer = conn.readLine(budget)) {
                    budget -= trailer.length() + 2;
                }
                return;
            }
            copy(conn, size, client);
            if (!conn.readLine(2).isEmpty()) {
                throw new ProtocolException("upstream chunk data longer than its size");
            }
        }
    }

    private static long parseChunkSize(String line) throws ProtocolException {
        long size = 0;
        int i = 0;
        for (; i < line.length(); i++) {
            int digit = Character.digit(line.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            if (i == 15) {
                throw new ProtocolException("upstream chunk size too large");
            }
            size = size * 16 + digit;
        }
        if (i == 0 || (i < line.length() && line.charAt(i) != ';' && line.charAt(i) != ' ' && line.charAt(i) != '\t')) {
            throw new ProtocolException("malformed upstream chunk size line");
        }
        return size;
    }
}
