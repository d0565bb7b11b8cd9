package stargate.node.proxy;

import java.io.EOFException;
import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLSocket;

/**
 * One pooled HTTP/1.1 connection to a target: the socket, its own input and output buffers, and the
 * progress marks the {@link Watchdog} reads.
 *
 * <p>Buffers: the connection does its own buffering instead of wrapping the socket streams in
 * Buffered*Stream, so that the response head is parsed in place, response body bytes go from
 * {@link #in} straight to the client (one copy), and request bodies are read from the client straight
 * into {@link #out}. Both buffers live as long as the connection, so an exchange allocates none.
 *
 * <p>Deadlines without socket timeouts: a per-read {@code SO_TIMEOUT} on a virtual thread arms a timer
 * on every park and halved throughput in the spike (docs/proxy-spike.md). Instead, every blocking
 * socket call is bracketed by two increments of {@link #ioSeq}, so the sequence is odd exactly while
 * the owner is blocked. The watchdog samples it every tick: an odd value unchanged for longer than
 * {@link #stallLimitNanos} means the owner is stuck in one call, and the watchdog closes the socket,
 * which wakes the owner with an exception. The increments are opaque stores: on x86 and ARM a plain
 * store with no fence, so the hot path pays no volatile write (a volatile store is a full fence on x86);
 * opaque still guarantees the watchdog eventually sees each value, untorn. Time is read only by the
 * watchdog, never per read. Detection lags a real stall by at most one watchdog tick.
 *
 * <p>Thread safety: one owner thread at a time (handed over through the pool's lock); the watchdog
 * touches only the progress marks and {@link #closeSocket()}.
 */
final class UpstreamConnection {
    /**
     * Input buffer size: also the largest response body piece read per syscall and written to the client.
     * 32 KiB halves the syscalls of 16 KiB for large bodies (not yet benchmarked against 64 KiB).
     */
    static final int IN_BUFFER_SIZE = 32 * 1024;
    /** Output buffer size: request head plus the first body bytes go out in one write. */
    static final int OUT_BUFFER_SIZE = 16 * 1024;

    private static final VarHandle IO_SEQ;
    private static final VarHandle STALL_LIMIT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IO_SEQ = lookup.findVarHandle(UpstreamConnection.class, "ioSeq", long.class);
            STALL_LIMIT = lookup.findVarHandle(UpstreamConnection.class, "stallLimitNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Socket tcp;
    private final InputStream socketIn;
    private final OutputStream socketOut;

    final byte[] in = new byte[IN_BUFFER_SIZE];
    /** Where the line {@link #bufferLine} found ends, its LF included. */
    private int lineNext;
    /** Unread input is {@code in[inPos, inLimit)}. */
    int inPos;
    int inLimit;
    final byte[] out = new byte[OUT_BUFFER_SIZE];
    /** Unwritten output is {@code out[0, outPos)}. */
    int outPos;

    /** Odd while the owner is blocked in socket I/O; written by the owner only, with opaque stores. */
    @SuppressWarnings("unused") // through IO_SEQ
    private long ioSeq;
    /** How long one blocking call may last; written by the owner, read by the watchdog. */
    @SuppressWarnings("unused") // through STALL_LIMIT
    private long stallLimitNanos = Long.MAX_VALUE;
    /** Watchdog-private: the last sequence it saw and when it first saw it. */
    private long seenSeq;
    private long seenAtNanos;
    private volatile boolean timedOut;

    /** Set when a byte arrives; the owner resets it per exchange. Tells a stale connection from a bad response. */
    boolean receivedByte;
    /** Whether the last socket read took less than it could: the socket had nothing more at that moment. */
    boolean drained;
    /** Flushed before a read that will probably block (the last one drained the socket); null for none. */
    Flushable beforeBlockingRead;
    /** Whether this connection already served an exchange (only such a connection can be stale). */
    boolean reused;
    /** When it went back to the idle stack; guarded by the pool's lock. */
    long idleSinceNanos;
    /** False for a connection outside the pool's count (a WebSocket's): closed, never kept, on release. */
    boolean pooled = true;

    /**
     * @param tcp    the TCP socket, closed by the watchdog (closing an SSLSocket could block on its locks)
     * @param stream the socket to read and write: {@code tcp} itself or the SSLSocket layered on it
     */
    UpstreamConnection(Socket tcp, Socket stream) throws IOException {
        this.tcp = tcp;
        this.socketIn = stream.getInputStream();
        this.socketOut = stream.getOutputStream();
    }

    /** Sets how long any single blocking socket call may take from now on. */
    void stallLimit(long nanos) {
        STALL_LIMIT.setOpaque(this, nanos);
    }

    /** @return whether the watchdog closed this connection for lack of progress */
    boolean timedOut() {
        return timedOut;
    }

    // ---- watchdog side

    /**
     * Closes the socket if the owner has been blocked in the same socket call for longer than the stall
     * limit, measured from the first tick that saw that call (so never early). Called by the watchdog only.
     *
     * @return whether it closed the connection
     */
    boolean closeIfStalled(long nowNanos) {
        long seq = (long) IO_SEQ.getOpaque(this);
        if (seq != seenSeq) {
            seenSeq = seq;
            seenAtNanos = nowNanos;
            return false;
        }
        if ((seq & 1) == 0 || nowNanos - seenAtNanos < (long) STALL_LIMIT.getOpaque(this)) {
            return false;
        }
        timedOut = true;
        closeSocket();
        return true;
    }

    void closeSocket() {
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ---- owner side: bracketed blocking calls

    /** Called before and after every blocking socket call. */
    private void bumpIoSeq() {
        IO_SEQ.setOpaque(this, (long) IO_SEQ.getOpaque(this) + 1);
    }

    /** Runs a blocking TLS handshake under the stall limit. */
    void handshake(SSLSocket ssl) throws IOException {
        bumpIoSeq();
        try {
            ssl.startHandshake();
        } finally {
            bumpIoSeq();
        }
    }

    /** Reads from the socket into {@code dst}; -1 at end of stream. */
    private int readSocket(byte[] dst, int off, int len) throws IOException {
        bumpIoSeq();
        int n;
        try {
            n = socketIn.read(dst, off, len);
        } finally {
            bumpIoSeq();
        }
        if (n > 0) {
            receivedByte = true;
        }
        return n;
    }

    private void writeSocket(byte[] src, int off, int len) throws IOException {
        bumpIoSeq();
        try {
            socketOut.write(src, off, len);
        } finally {
            bumpIoSeq();
        }
    }

    // ---- input

    /** @return unread buffered input bytes */
    int buffered() {
        return inLimit - inPos;
    }

    /**
     * Reads more input after the buffered bytes, first moving them to the front if the buffer's end is reached.
     *
     * @return bytes read, -1 at end of stream, 0 if the buffer is full of unread bytes
     */
    int fill() throws IOException {
        if (inPos == inLimit) {
            inPos = 0;
            inLimit = 0;
        } else if (inLimit == in.length && inPos > 0) {
            System.arraycopy(in, inPos, in, 0, inLimit - inPos);
            inLimit -= inPos;
            inPos = 0;
        }
        if (inLimit == in.length) {
            return 0;
        }
        if (drained && beforeBlockingRead != null) {
            beforeBlockingRead.flush();
        }
        int space = in.length - inLimit;
        int n = readSocket(in, inLimit, space);
        drained = n < space;
        if (n > 0) {
            inLimit += n;
        }
        return n;
    }

    /**
     * Reads one line of the response head: up to LF, without the CRLF (a bare LF is accepted).
     *
     * @param maxLength bytes the line may take, its CRLF included
     * @return the line as ISO-8859-1
     * @throws ProtocolException if the line is longer, or holds a CR, NUL or other control byte
     * @throws EOFException      if the stream ends first
     */
    String readLine(int maxLength) throws IOException {
        int end = bufferLine(maxLength);
        String line = new String(in, inPos, end - inPos, StandardCharsets.ISO_8859_1);
        consumeLine();
        return line;
    }

    /**
     * Makes the next line of the response head available in place: it is {@code in[inPos, end)}, without
     * its CRLF, until {@link #consumeLine()} moves past it. As {@link #readLine}, without making a String.
     *
     * @return {@code end}
     */
    int bufferLine(int maxLength) throws IOException {
        int scanned = 0;                // relative to inPos, which fill() may move
        while (true) {
            int end = Math.min(inLimit, inPos + maxLength);
            for (int i = inPos + scanned; i < end; i++) {
                if (in[i] == '\n') {
                    int lineEnd = i > inPos && in[i - 1] == '\r' ? i - 1 : i;
                    for (int j = inPos; j < lineEnd; j++) {
                        if (in[j] >= 0 && in[j] < 0x20 && in[j] != '\t' || in[j] == 0x7f) {
                            throw new ProtocolException("control character in upstream response head");
                        }
                    }
                    lineNext = i + 1;
                    return lineEnd;
                }
            }
            scanned = end - inPos;
            if (scanned >= maxLength) {
                throw new ProtocolException("upstream response head too large");
            }
            if (fill() < 0) {
                throw new EOFException(receivedByte ? "upstream closed the connection in the response head"
                        : "upstream closed the connection without responding");
            }
        }
    }

    /** Moves past the line {@link #bufferLine} found. */
    void consumeLine() {
        inPos = lineNext;
    }

    /**
     * Makes unread input available: returns the buffered count, or reads once from the socket.
     *
     * @return bytes now at {@code in[inPos, inLimit)}, or -1 at end of stream
     */
    int awaitInput() throws IOException {
        int buffered = inLimit - inPos;
        if (buffered > 0) {
            return buffered;
        }
        return fill();
    }

    /**
     * Reads raw bytes for a tunnel: the buffered input first, then straight from the socket, outside the
     * stall watch (a WebSocket may rightly be quiet; its idle timeout is the relay's job).
     *
     * @return bytes read, -1 at end of stream
     */
    int readTunnel(byte[] dst) throws IOException {
        int buffered = inLimit - inPos;
        if (buffered > 0) {
            int n = Math.min(buffered, dst.length);
            System.arraycopy(in, inPos, dst, 0, n);
            inPos += n;
            return n;
        }
        return socketIn.read(dst, 0, dst.length);
    }

    /** Writes raw bytes for a tunnel, unbuffered and outside the stall watch. */
    void writeTunnel(byte[] src, int off, int len) throws IOException {
        socketOut.write(src, off, len);
        socketOut.flush();
    }

    // ---- output

    /** Appends ISO-8859-1 text (request line, headers) to the output buffer, writing it out when full. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exactly the Latin-1 copy needed, and fast
    void writeText(String text) throws IOException {
        int length = text.length();
        for (int i = 0; i < length; ) {
            if (outPos == out.length) {
                flush();
            }
            int n = Math.min(length - i, out.length - outPos);
            text.getBytes(i, i + n, out, outPos); // low byte of each char, as the loop it replaced; an intrinsic copy
            outPos += n;
            i += n;
        }
    }

    /** Appends a header field {@code name: value CRLF} (ISO-8859-1): one bounds check and two copies when it fits. */
    @SuppressWarnings("deprecation") // as writeText
    void writeField(String name, String value) throws IOException {
        int nameLength = name.length();
        int valueLength = value.length();
        int length = nameLength + valueLength + 4;
        if (length > out.length - outPos) {
            if (length > out.length) {
                writeText(name);
                writeText(": ");
                writeText(value);
                writeText("\r\n");
                return;
            }
            flush();
        }
        byte[] buffer = out;
        int at = outPos;
        name.getBytes(0, nameLength, buffer, at);
        at += nameLength;
        buffer[at++] = ':';
        buffer[at++] = ' ';
        value.getBytes(0, valueLength, buffer, at);
        at += valueLength;
        buffer[at++] = '\r';
        buffer[at++] = '\n';
        outPos = at;
    }

    /** Buffers {@code bytes} like {@link #writeText}. */
    void writeBytes(byte[] bytes) throws IOException {
        for (int i = 0; i < bytes.length; ) {
            if (outPos == out.length) {
                flush();
            }
            int n = Math.min(bytes.length - i, out.length - outPos);
            System.arraycopy(bytes, i, out, outPos, n);
            outPos += n;
            i += n;
        }
    }

    /** Writes the output buffer to the socket. */
    void flush() throws IOException {
        if (outPos > 0) {
            int n = outPos;
            outPos = 0;
            writeSocket(out, 0, n);
        }
    }
}
